package dev.courier.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.auth.TestTokenIssuer;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.courier.e2e.ScheduleCalls.fireTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged accepter, listener and cache-service with authentication on, as in production: tenant acme calls with
 * an API key (configured by its SHA-256), tenant globex with a bearer JWT from a real JWKS server on 127.0.0.1; the
 * accepter and the listener call cache-service with Courier's service key. One tenant's invocation is delivered and
 * its status read, and for the other tenant it does not exist; idempotency keys and cache namespaces are per tenant.
 */
class AuthenticationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ACME_KEY = "acme-e2e-key-not-a-secret";
    private static final String SERVICE_KEY = "courier-service-e2e-key-not-a-secret";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static TestTokenIssuer issuer;
    private static ServiceProcess cache;
    private static ServiceProcess listener;
    private static ServiceProcess accepter;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        // Paths under /fail/ fail at once (400 is not retried): failures to replay.
        target.respondWith(request ->
                request.path().startsWith("/fail/") ? Reply.json(400, "{\"error\":\"no\"}") : Reply.json(200, "{}"));
        issuer = TestTokenIssuer.start();
        String bootstrap = kafka.bootstrapServers();

        Map<String, String> auth = new HashMap<>(issuer.config());
        auth.put("courier.auth.api-keys.acme.sha256", sha256(ACME_KEY));
        auth.put("courier.auth.api-keys.acme.tenant", "acme");

        Map<String, String> cacheConfig = new HashMap<>(auth);
        cacheConfig.put("kafka.bootstrap.servers", bootstrap);
        cacheConfig.put("courier.auth.service-key-sha256", sha256(SERVICE_KEY));
        cacheConfig.put(
                "courier.cache.object-store.directory",
                Files.createTempDirectory("courier-auth-it").toString());
        cache = ServiceProcess.start("auth-cache", "courier.cache.app", cacheConfig);

        listener = ServiceProcess.start(
                "auth-listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.listener.egress.allow-loopback",
                        "true",
                        "courier.listener.cache-url",
                        cache.baseUri().toString(),
                        "courier.listener.cache-api-key",
                        SERVICE_KEY));

        Map<String, String> accepterConfig = new HashMap<>(auth);
        accepterConfig.put("kafka.bootstrap.servers", bootstrap);
        accepterConfig.put("courier.accepter.cache-url", cache.baseUri().toString());
        accepterConfig.put("courier.accepter.cache-api-key", SERVICE_KEY);
        // Schedules stored in cache-service by the test itself are learnt within a second.
        accepterConfig.put("courier.accepter.schedules.refresh", "1s");
        accepterConfig.put("courier.accepter.tenants.initech.allowed-hosts", "initech.test");
        accepterConfig.put("courier.accepter.tenants.hooli.max-schedules", "1");
        // One invocation every 5 s at most, none stored up: a schedule firing every second outruns it.
        accepterConfig.put("courier.accepter.tenants.throttled.rate-per-second", "0.2");
        accepterConfig.put("courier.accepter.tenants.throttled.burst", "1");
        accepter = ServiceProcess.start("auth-accepter", "courier.accepter.app", accepterConfig);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepter, listener, cache, target, issuer, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void oneTenantsInvocationIsDeliveredAndDoesNotExistForAnother() throws Exception {
        String globex = "Bearer " + issuer.token("globex");
        HttpResponse<String> accepted = send("POST", "/v1/invocations", acme(), invocation("/acme/order", null));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = JSON.readTree(accepted.body()).get("id").asText();

        target.awaitOne(request -> request.path().equals("/acme/order"), WAIT);
        JsonNode status = awaitStatus(id, "SUCCEEDED");
        assertThat(status.get("id").asText()).isEqualTo(id);

        // For globex it does not exist: answered exactly as an id nobody issued.
        HttpResponse<String> other = send("GET", "/v1/invocations/" + id, globex, null);
        HttpResponse<String> unknown = send("GET", "/v1/invocations/01K1Q6K12C1BT01KRZJ000HKB9", globex, null);
        for (HttpResponse<String> response : java.util.List.of(other, unknown)) {
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("urn:courier:problem:not-found");
            assertThat(response.body()).doesNotContain("acme");
        }
        assertThat(send("DELETE", "/v1/invocations/" + id, globex, null).statusCode())
                .isEqualTo(404);
        // Without a credential: 401, and the invocation's owner still reads it.
        HttpResponse<String> anonymous = send("GET", "/v1/invocations/" + id, null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(send("GET", "/v1/invocations/" + id, acme(), null).statusCode())
                .isEqualTo(200);

        // globex's own invocation is delivered too, and is invisible to acme.
        HttpResponse<String> mine = send("POST", "/v1/invocations", globex, invocation("/globex/order", null));
        assertThat(mine.statusCode()).as(mine.body()).isEqualTo(202);
        String globexId = JSON.readTree(mine.body()).get("id").asText();
        target.awaitOne(request -> request.path().equals("/globex/order"), WAIT);
        assertThat(send("GET", "/v1/invocations/" + globexId, acme(), null).statusCode())
                .isEqualTo(404);
        assertThat(send("DELETE", "/v1/invocations/" + globexId, acme(), null).statusCode())
                .isEqualTo(404);

        // The listener and the accepter reach cache-service with the service key, never refused.
        assertThat(Files.readString(log("auth-listener")))
                .doesNotContain("answered 401")
                .doesNotContain("answered 403");
        assertThat(Files.readString(log("auth-accepter")))
                .doesNotContain(SERVICE_KEY)
                .doesNotContain(ACME_KEY);
    }

    @Test
    void aTenantHoldsAtMostItsMaxSchedulesAndTheAnswerSaysNothingOfOtherTenants() throws Exception {
        String hooli = "Bearer " + issuer.token("hooli");
        // A far-off cron: these never fire.
        String definition = "{\"cron\":\"0 0 0 1 1 ? 2099\",\"request\":" + invocation("/hooli/never", null) + "}";
        HttpResponse<String> first = send("POST", "/v1/schedules", hooli, definition);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);

        HttpResponse<String> second = send("POST", "/v1/schedules", hooli, definition);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
        assertThat(JSON.readTree(second.body()).get("detail").asText())
                .isEqualTo("tenant hooli holds 1 schedules, the most it may"
                        + " (courier.accepter.tenants.hooli.max-schedules); delete one first");
        // Another tenant is not held to hooli's limit.
        HttpResponse<String> acmes = send("POST", "/v1/schedules", acme(), definition);
        assertThat(acmes.statusCode()).as(acmes.body()).isEqualTo(201);

        // Deleting one makes room again.
        String id = JSON.readTree(first.body()).get("id").asText();
        assertThat(send("DELETE", "/v1/schedules/" + id, hooli, null).statusCode())
                .isEqualTo(204);
        HttpResponse<String> again = send("POST", "/v1/schedules", hooli, definition);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        for (HttpResponse<String> created : java.util.List.of(again, acmes)) {
            String credential = created == again ? hooli : acme();
            assertThat(send(
                                    "DELETE",
                                    "/v1/schedules/"
                                            + JSON.readTree(created.body())
                                                    .get("id")
                                                    .asText(),
                                    credential,
                                    null)
                            .statusCode())
                    .isEqualTo(204);
        }
    }

    @Test
    void aReplayRepeatsOnlyItsTenantsFailuresAndIsInvisibleToAnotherTenant() throws Exception {
        String globex = "Bearer " + issuer.token("globex");
        String run = Long.toString(System.nanoTime());
        Instant from = Instant.now().minusSeconds(1);
        String acmeFailure = idOf(send(
                "POST",
                "/v1/invocations",
                acme(),
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/fail/acme-" + run) + "\"},"
                        + "\"body\":{\"secret\":\"acme-only\"}}"));
        String globexFailure = idOf(send(
                "POST",
                "/v1/invocations",
                globex,
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/fail/globex-" + run) + "\"},"
                        + "\"body\":{\"secret\":\"globex-only\"}}"));
        awaitStatus(acmeFailure, "FAILED", acme());
        awaitStatus(globexFailure, "FAILED", globex);
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.await(
                    "courier.failures",
                    record -> record.key().equals(acmeFailure) || record.key().equals(globexFailure),
                    2,
                    WAIT);
        }
        Instant to = Instant.now().plusSeconds(1);

        // globex replays the window, both failures in it, to a target of its own choosing: only its own reaches it.
        String replayId = "tenants-" + run;
        HttpResponse<String> started =
                send("POST", "/v1/replays", globex, replay(replayId, from, to, target.url("/collect/" + run)));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        JsonNode done = awaitReplay(replayId, globex);
        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(done.get("matched").asInt())
                .as("globex's failures in the window")
                .isEqualTo(1);
        assertThat(done.get("enqueued").asInt()).isEqualTo(1);
        assertThat(target.awaitOne(request -> request.path().equals("/collect/" + run), WAIT)
                        .bodyText())
                .contains("globex-only");
        assertThat(target.received())
                .as("acme's failure is not globex's to repeat")
                .noneMatch(request -> request.bodyText().contains("acme-only")
                        && request.path().startsWith("/collect/"));

        // globex's replay does not exist for acme; acme's replay of the same id is a replay of its own.
        HttpResponse<String> other = send("GET", "/v1/replays/" + replayId, acme(), null);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).doesNotContain("globex");
        assertThat(send("POST", "/v1/replays", acme(), replay(replayId, from, to, target.url("/collect-acme/" + run)))
                        .statusCode())
                .isEqualTo(202);
        assertThat(awaitReplay(replayId, acme()).get("matched").asInt()).isEqualTo(1);
        assertThat(target.awaitOne(request -> request.path().equals("/collect-acme/" + run), WAIT)
                        .bodyText())
                .contains("acme-only");

        // A replay's target is held to its tenant's policy as a request's is.
        HttpResponse<String> outside = send(
                "POST",
                "/v1/replays",
                "Bearer " + issuer.token("initech"),
                replay("outside-" + run, from, to, target.url("/initech/replayed")));
        assertThat(outside.statusCode()).as(outside.body()).isEqualTo(403);
        assertThat(JSON.readTree(outside.body()).at("/errors/0/field").asText()).isEqualTo("target.url");
    }

    @Test
    void theSameIdempotencyKeyFromTwoTenantsIsTwoInvocations() throws Exception {
        String key = "order-" + System.nanoTime();
        String globex = "Bearer " + issuer.token("globex");
        String first = idOf(send("POST", "/v1/invocations", acme(), invocation("/idem/acme", key)));
        String again = idOf(send("POST", "/v1/invocations", acme(), invocation("/idem/acme", key)));
        String theirs = idOf(send("POST", "/v1/invocations", globex, invocation("/idem/globex", key)));

        assertThat(again).isEqualTo(first);
        assertThat(theirs).isNotEqualTo(first);
        target.awaitOne(request -> request.path().equals("/idem/globex"), WAIT);
        target.awaitOne(request -> request.path().equals("/idem/acme"), WAIT);
        assertThat(target.received().stream().filter(r -> r.path().equals("/idem/acme")))
                .hasSize(1);
    }

    @Test
    void cacheNamespacesArePerTenantAndCouriersOwnAreTheServicesAlone() throws Exception {
        String ns = "carts-" + System.nanoTime();
        String globex = "Bearer " + issuer.token("globex");
        assertThat(cacheCall("PUT", "/v1/cache/" + ns + "/k", acme(), "acme's").statusCode())
                .isEqualTo(201);
        assertThat(cacheCall("GET", "/v1/cache/" + ns + "/k", acme(), null).body())
                .isEqualTo("acme's");
        assertThat(cacheCall("GET", "/v1/cache/" + ns + "/k", globex, null).statusCode())
                .isEqualTo(404);

        HttpResponse<String> forbidden = cacheCall("PUT", "/v1/cache/courier.cancellations/x", acme(), "{}");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(cacheCall("GET", "/v1/status/01K1Q6K12C1BT01KRZJ000HKB9", globex, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(cacheCall("GET", "/v1/cache/" + ns + "/k", null, null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void aScheduleIsItsTenantsAloneAndEachFireIsItsTenantsInvocation() throws Exception {
        String globex = "Bearer " + issuer.token("globex");
        HttpResponse<String> created = send(
                "POST",
                "/v1/schedules",
                acme(),
                "{\"cron\":\"* * * * * ?\",\"description\":\"acme's\",\"request\":" + invocation("/schedule/acme", null)
                        + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();

        // For globex it does not exist: reading or deleting it is answered exactly as for an id nobody issued, and
        // its list does not show it. acme's does.
        String unknown = dev.courier.common.id.Ulid.next();
        for (String method : java.util.List.of("GET", "DELETE")) {
            HttpResponse<String> theirs = send(method, "/v1/schedules/" + id, globex, null);
            HttpResponse<String> nobodys = send(method, "/v1/schedules/" + unknown, globex, null);
            assertThat(theirs.statusCode()).as(method).isEqualTo(404);
            assertThat(theirs.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(withoutVaryingParts(theirs.body(), id))
                    .as(method)
                    .isEqualTo(withoutVaryingParts(nobodys.body(), unknown));
        }
        assertThat(JSON.readTree(send("GET", "/v1/schedules", globex, null).body())
                        .get("schedules")
                        .findValuesAsText("id"))
                .doesNotContain(id);
        assertThat(JSON.readTree(send("GET", "/v1/schedules", acme(), null).body())
                        .get("schedules")
                        .findValuesAsText("id"))
                .contains(id);

        // It fires (globex's DELETE did not delete it), as acme: its invocation's status is acme's to read alone.
        target.awaitOne(request -> request.path().equals("/schedule/acme"), WAIT);
        JsonNode fired = awaitSchedule(id, acme(), read -> read.has("lastInvocationId"));
        String invocation = fired.get("lastInvocationId").asText();
        assertThat(awaitStatus(invocation, "SUCCEEDED").get("correlationId").asText())
                .startsWith("schedule:" + id + ":");
        assertThat(send("GET", "/v1/invocations/" + invocation, globex, null).statusCode())
                .isEqualTo(404);

        assertThat(send("DELETE", "/v1/schedules/" + id, acme(), null).statusCode())
                .isEqualTo(204);
        assertThat(send("GET", "/v1/schedules/" + id, acme(), null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aScheduleStoredWithoutAnOwnerIsTheDefaultTenantsAndAFireOutsideItsOwnersPolicyIsRefused() throws Exception {
        // As stored before schedules had owners: no tenant. It is the default tenant's (a far-off cron: never fires).
        String legacy = dev.courier.common.id.Ulid.next();
        store(legacy, null, "0 0 0 1 1 ? 2099", "/legacy");
        String house = "Bearer " + issuer.token("default");
        awaitSchedule(legacy, house, read -> read.get("id").asText().equals(legacy));
        assertThat(send("GET", "/v1/schedules/" + legacy, acme(), null).statusCode())
                .isEqualTo(404);

        // initech's, every second, with a target its policy (allowed-hosts initech.test) does not allow: as a
        // schedule created before the policy was tightened. Each fire is refused, and given up (outcome failed).
        String refused = dev.courier.common.id.Ulid.next();
        double failedBefore = fires("failed");
        store(refused, "initech", "* * * * * ?", "/initech/outside");
        awaitFires("failed", failedBefore + 2);
        JsonNode read = awaitSchedule(refused, "Bearer " + issuer.token("initech"), schedule -> schedule.get("id")
                .asText()
                .equals(refused));
        assertThat(read.get("fireCount").asInt()).isZero();
        assertThat(read.has("lastInvocationId")).isFalse();
        assertThat(target.received()).noneMatch(request -> request.path().startsWith("/initech/"));
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            assertThat(client.readAll("courier.requests"))
                    .noneMatch(record -> new String(record.value(), StandardCharsets.UTF_8).contains("/initech/"));
        }
        assertThat(Files.readString(log("auth-accepter")))
                .contains("schedule " + refused + " cannot fire")
                .contains("target.url");

        assertThat(send("DELETE", "/v1/schedules/" + refused, "Bearer " + issuer.token("initech"), null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(send("DELETE", "/v1/schedules/" + legacy, house, null).statusCode())
                .isEqualTo(204);
    }

    /**
     * A fire refused because its owner is over its rate (429) is not given up: it is tried again at every tick until a
     * token is there, and then fires, late and once. Tenant throttled may make one invocation every 5 s; its schedule
     * fires every second, so its first fire takes the only token and the next fire time waits for the next one.
     */
    @Test
    void aFireOverItsOwnersRateIsTriedAgainUntilItFitsAndFiresOnce() throws Exception {
        String throttled = "Bearer " + issuer.token("throttled");
        double retriedBefore = fires("retry");
        HttpResponse<String> created = send(
                "POST",
                "/v1/schedules",
                throttled,
                "{\"cron\":\"* * * * * ?\",\"request\":" + invocation("/schedule/throttled", null) + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();

        RecordedRequest first = target.awaitOne(request -> fireTime(request, id) != null, WAIT);
        Instant next = fireTime(first, id).plusSeconds(1);
        RecordedRequest second = target.awaitOne(request -> next.equals(fireTime(request, id)), WAIT);
        assertThat(send("DELETE", "/v1/schedules/" + id, throttled, null).statusCode())
                .isEqualTo(204);

        assertThat(fires("retry") - retriedBefore)
                .as("ticks at which the next fire time was over the rate")
                .isGreaterThanOrEqualTo(2);
        assertThat(Duration.between(first.receivedAt(), second.receivedAt()))
                .as("the next fire time waited for the next token (5 s after the first)")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(target.received().stream().filter(request -> next.equals(fireTime(request, id))))
                .as("the refused fire time fired once")
                .hasSize(1);
        assertThat(target.received().stream()
                        .map(request -> fireTime(request, id))
                        .filter(java.util.Objects::nonNull)
                        .min(Instant::compareTo))
                .as("no fire time before the first was given up and fired late")
                .hasValue(fireTime(first, id));
    }

    /** Stores a schedule in cache-service as the accepter does, owned by {@code tenant} (null: none named). */
    private static void store(String id, String tenant, String cron, String path) throws Exception {
        String owner = tenant == null ? "" : "\"tenant\":\"" + tenant + "\",";
        String schedule = "{\"id\":\"" + id + "\"," + owner + "\"cron\":\"" + cron + "\",\"timeZone\":\"UTC\","
                + "\"missedFires\":\"fire-once\",\"request\":{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\","
                + "\"url\":\"" + target.url(path) + "\"}},\"createdAt\":\"" + java.time.Instant.now() + "\","
                + "\"fireCount\":0}";
        HttpResponse<String> stored =
                cacheCall("PUT", "/v1/cache/courier.schedules/" + id, "ApiKey " + SERVICE_KEY, schedule);
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
    }

    private static JsonNode awaitSchedule(String id, String credential, java.util.function.Predicate<JsonNode> done)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response = null;
        while (System.nanoTime() < deadline) {
            response = send("GET", "/v1/schedules/" + id, credential, null);
            if (response.statusCode() == 200 && done.test(JSON.readTree(response.body()))) {
                return JSON.readTree(response.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("schedule " + id + " never got there: " + (response == null ? "" : response.body()));
    }

    /** {@code courier_schedule_fires_total} of {@code outcome}. */
    private static double fires(String outcome) throws Exception {
        return accepter.metricSum("courier_schedule_fires_total{outcome=\"" + outcome + "\"");
    }

    private static void awaitFires(String outcome, double atLeast) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fires(outcome) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + atLeast + " fires " + outcome + ": " + fires(outcome));
            }
            Thread.sleep(100);
        }
    }

    /** A problem document without what differs between two requests: the id asked for and the correlation id. */
    private static String withoutVaryingParts(String problem, String id) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode document =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(problem.replace(id, "ID"));
        document.remove("correlationId");
        return document.toString();
    }

    private static JsonNode awaitStatus(String id, String expected) throws Exception {
        return awaitStatus(id, expected, acme());
    }

    private static JsonNode awaitStatus(String id, String expected, String credential) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response = send("GET", "/v1/invocations/" + id, credential, null);
        while (System.nanoTime() < deadline) {
            response = send("GET", "/v1/invocations/" + id, credential, null);
            if (response.statusCode() == 200
                    && JSON.readTree(response.body()).get("status").asText().equals(expected)) {
                return JSON.readTree(response.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("status of " + id + " is not " + expected + ": " + response.body());
    }

    /** Polls {@code credential}'s replay {@code id} until it is no longer running. */
    private static JsonNode awaitReplay(String id, String credential) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response = null;
        while (System.nanoTime() < deadline) {
            response = send("GET", "/v1/replays/" + id, credential, null);
            if (response.statusCode() == 200
                    && !JSON.readTree(response.body()).get("state").asText().equals("RUNNING")) {
                return JSON.readTree(response.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("replay " + id + " did not end: " + (response == null ? "" : response.body()));
    }

    private static String replay(String id, Instant from, Instant to, String targetUrl) {
        return "{\"id\":\"" + id + "\",\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"target\":{\"type\":\"http\","
                + "\"url\":\"" + targetUrl + "\"}}";
    }

    private static String idOf(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("id").asText();
    }

    private static String invocation(String path, String idempotencyKey) {
        return "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url(path) + "\"}"
                + (idempotencyKey == null ? "" : ",\"idempotencyKey\":\"" + idempotencyKey + "\"") + "}";
    }

    private static String acme() {
        return "ApiKey " + ACME_KEY;
    }

    private static HttpResponse<String> send(String method, String path, String credential, String body)
            throws Exception {
        return call(accepter.baseUri().resolve(path), method, credential, body, "application/json");
    }

    private static HttpResponse<String> cacheCall(String method, String path, String credential, String body)
            throws Exception {
        return call(cache.baseUri().resolve(path), method, credential, body, "text/plain");
    }

    /** {@code credential}: {@code Bearer <JWT>}, {@code ApiKey <key>} (sent as X-Api-Key), or null. */
    private static HttpResponse<String> call(URI uri, String method, String credential, String body, String type)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", type);
        }
        if (credential != null && credential.startsWith("ApiKey ")) {
            request.header("X-Api-Key", credential.substring("ApiKey ".length()));
        } else if (credential != null) {
            request.header("Authorization", credential);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path log(String name) {
        return Path.of(System.getProperty("courier.e2e.logs", "target/e2e-logs"))
                .resolve(name + ".log");
    }

    /** The hex SHA-256 of {@code key}: how the services are configured with an API key. */
    static String sha256(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
