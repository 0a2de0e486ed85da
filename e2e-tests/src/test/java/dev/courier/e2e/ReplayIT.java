package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/replays} over accepter, listener and cache-service processes on a real broker: real deliveries fail
 * at a real HTTP target before, inside and after a window; a replay of the window delivers exactly the failures inside
 * it again, under new ids linked to the originals (in their records and their status documents), with their sealed
 * headers as sent; the same replay again delivers nothing.
 */
class ReplayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess cache;
    private static ServiceProcess listener;
    private static ServiceProcess accepter;
    private static AccepterApi api;
    /** Paths the target fails (400, final: one attempt, condition Rejected); everything else answers 200. */
    private static final Set<String> failing = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        target.respondWith(request ->
                failing.contains(request.path()) ? Reply.json(400, "{\"error\":\"no\"}") : Reply.json(200, "{}"));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String keys = "replay-it:" + Base64.getEncoder().encodeToString(key);
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("replay-cache", kafka);
        listener = ServiceProcess.start(
                "replay-listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.listener.egress.allow-loopback",
                        "true",
                        "courier.listener.header-encryption.keys",
                        keys));
        accepter = ServiceProcess.start(
                "replay-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.accepter.cache-url",
                        cache.baseUri().toString(),
                        "courier.accepter.header-encryption.keys",
                        keys,
                        // Bodies over 2,000 characters go to the object store (which the listener shares: the same
                        // default directory), so that a small body tests a replay of a stored one.
                        "courier.accepter.claim-check.threshold",
                        "2000"));
        api = new AccepterApi(accepter);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepter, listener, cache, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void exactlyTheFailuresInsideTheWindowAreDeliveredAgainOnceUnderNewIdsLinkedToTheOriginals() throws Exception {
        // Before the window: two failures.
        List<String> before = failAt("/before-1", "/before-2");
        long from = lastFailureTimestamp(before) + 1;

        // Inside it: three failures (one with a secret header) and two successes.
        List<String> inside = new ArrayList<>(failAt("/inside-1", "/inside-2"));
        failing.add("/inside-secret");
        inside.add(api.accept(invocation("/inside-secret", ",\"headers\":{\"Authorization\":\"Bearer s3cret-42\"}")));
        String ok1 = api.accept(invocation("/inside-ok-1", ""));
        String ok2 = api.accept(invocation("/inside-ok-2", ""));
        long to = lastFailureTimestamp(inside) + 1;
        api.awaitStatus(ok1, "SUCCEEDED");
        api.awaitStatus(ok2, "SUCCEEDED");
        while (System.currentTimeMillis() <= to) {
            Thread.sleep(5);
        }

        // After it: two failures.
        List<String> after = failAt("/after-1", "/after-2");
        lastFailureTimestamp(after);
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JsonNode secretFailure = JSON.readTree(
                    client.awaitOne("courier.failures", r -> inside.get(2).equals(r.key()), WAIT)
                            .value());
            assertThat(secretFailure
                            .at("/courier/request/headers/Authorization")
                            .asText())
                    .as("the failure record keeps the request, its secret sealed")
                    .startsWith("enc:v1:")
                    .doesNotContain("s3cret");
        }

        // The target answers every path now: what is replayed succeeds.
        failing.clear();
        int receivedBefore = target.received().size();
        Instant replayedFrom = Instant.now();
        String replayId = "replay-" + System.nanoTime();
        String window = "{\"id\":\"" + replayId + "\",\"from\":\"" + Instant.ofEpochMilli(from) + "\",\"to\":\""
                + Instant.ofEpochMilli(to) + "\"}";
        HttpResponse<String> started = post("/v1/replays", window);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(started.headers().firstValue("Location")).hasValue("/v1/replays/" + replayId);
        assertThat(JSON.readTree(started.body()).get("state").asText()).isEqualTo("RUNNING");
        JsonNode done = awaitReplay(replayId);
        assertThat(done.get("state").asText()).isEqualTo("DONE");
        assertThat(done.get("matched").asInt()).isEqualTo(3);
        assertThat(done.get("enqueued").asInt()).isEqualTo(3);
        assertThat(done.get("duplicates").asInt()).isZero();
        assertThat(done.get("failed").asInt()).isZero();
        assertThat(done.get("scanned").asInt())
                .as("read from the first record at or after from to the end: the three inside, the two after")
                .isEqualTo(5);

        List<RecordedRequest> replayed = target.await(
                r -> r.path().startsWith("/inside-") && !r.receivedAt().isBefore(replayedFrom), 3, WAIT);
        assertThat(replayed)
                .extracting(RecordedRequest::path)
                .containsExactlyInAnyOrder("/inside-1", "/inside-2", "/inside-secret");
        assertThat(replayed)
                .extracting(r -> r.header("Idempotency-Key"))
                .as("every replay is a new invocation")
                .doesNotContainAnyElementsOf(inside)
                .doesNotHaveDuplicates();
        assertThat(replayed.stream()
                        .filter(r -> r.path().equals("/inside-secret"))
                        .findFirst()
                        .orElseThrow()
                        .header("Authorization"))
                .as("a sealed header is sent as the caller sent it")
                .isEqualTo("Bearer s3cret-42");

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            Map<String, String> replayOf =
                    client
                            .await(
                                    "courier.results",
                                    r -> KafkaTestClient.text(r).contains("\"replayOf\""),
                                    3,
                                    WAIT)
                            .stream()
                            .map(ReplayIT::json)
                            .collect(Collectors.toMap(
                                    record -> record.at("/courier/invocationId").asText(),
                                    record -> record.at("/courier/replayOf").asText()));
            assertThat(replayOf.values()).as("each links to its original").containsExactlyInAnyOrderElementsOf(inside);
            assertThat(replayOf.keySet())
                    .containsExactlyInAnyOrderElementsOf(replayed.stream()
                            .map(r -> r.header("Idempotency-Key"))
                            .toList());
            for (Map.Entry<String, String> link : replayOf.entrySet()) {
                JsonNode status = api.awaitStatus(link.getKey(), "SUCCEEDED");
                assertThat(status.get("id").asText()).isEqualTo(link.getKey());
                assertThat(status.path("replayOf").asText())
                        .as("GET /v1/invocations/%s names the invocation it replays", link.getKey())
                        .isEqualTo(link.getValue());
            }
            for (String original : inside) {
                assertThat(api.awaitStatus(original, "FAILED").has("replayOf"))
                        .as("an original replays nothing")
                        .isFalse();
            }
        }

        // The same replay again: nothing enqueued twice.
        HttpResponse<String> again = post("/v1/replays", window);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
        JsonNode second = awaitReplay(replayId);
        assertThat(second.get("state").asText()).isEqualTo("DONE");
        assertThat(second.get("matched").asInt()).isEqualTo(3);
        assertThat(second.get("enqueued").asInt()).isZero();
        assertThat(second.get("duplicates").asInt()).isEqualTo(3);
        Thread.sleep(2000); // a second delivery, if there were one, would have arrived by now
        assertThat(target.received().subList(receivedBefore, target.received().size()))
                .extracting(RecordedRequest::path)
                .as("only the three inside the window, once each; nothing before or after it, no success")
                .containsExactlyInAnyOrder("/inside-1", "/inside-2", "/inside-secret");
    }

    /**
     * A failure whose body was stored out of band (claim check) is replayable: the listener keeps that body while the
     * failure record names it, the replay fetches it, and the intake stores it again for the new invocation, whose
     * call carries it byte for byte.
     */
    @Test
    void aFailureWithAStoredBodyIsReplayedWithThatBody() throws Exception {
        failing.add("/stored-body");
        byte[] body = new byte[6000];
        new java.util.Random(6000).nextBytes(body);
        long from = System.currentTimeMillis();
        String original = api.accept(invocation(
                "/stored-body", ",\"bodyBase64\":\"" + Base64.getEncoder().encodeToString(body) + "\""));
        long to = lastFailureTimestamp(List.of(original)) + 1;
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JsonNode failure = JSON.readTree(client.awaitOne("courier.failures", r -> original.equals(r.key()), WAIT)
                    .value());
            assertThat(failure.at("/courier/request/bodyRef/object").asText()).isEqualTo("bodies/" + original);
        }
        failing.remove("/stored-body");

        String replayId = "stored-body-" + System.nanoTime();
        HttpResponse<String> started = post(
                "/v1/replays",
                "{\"id\":\"" + replayId + "\",\"from\":\"" + Instant.ofEpochMilli(from) + "\",\"to\":\""
                        + Instant.ofEpochMilli(to) + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        JsonNode done = awaitReplay(replayId);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("DONE");
        assertThat(done.get("enqueued").asInt()).as(done.toString()).isGreaterThanOrEqualTo(1);
        assertThat(done.get("skipped").asInt()).as(done.toString()).isZero();

        RecordedRequest replayed = target.awaitOne(
                r -> r.path().equals("/stored-body") && !original.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(replayed.body()).as("the replayed call's body").isEqualTo(body);
    }

    @Test
    void aReplayFiltersByConditionAndCanCallAnotherTarget() throws Exception {
        failing.add("/filtered-rejected");
        long from = System.currentTimeMillis();
        String rejected = api.accept(invocation("/filtered-rejected", ""));
        // Nothing listens on this port: a connection error, one attempt allowed → RetriesExhausted.
        String exhausted = api.accept("{\"target\":{\"type\":\"http\",\"url\":\"http://127.0.0.1:1/closed\"},"
                + "\"retry\":{\"maxAttempts\":1}}");
        long to = lastFailureTimestamp(List.of(rejected, exhausted)) + 1;

        String replayId = "filtered-" + System.nanoTime();
        HttpResponse<String> started = post(
                "/v1/replays",
                "{\"id\":\"" + replayId + "\",\"from\":\"" + Instant.ofEpochMilli(from) + "\",\"to\":\""
                        + Instant.ofEpochMilli(to) + "\",\"condition\":\"RetriesExhausted\","
                        + "\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/instead") + "\"}}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        JsonNode done = awaitReplay(replayId);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("DONE");
        assertThat(done.get("matched").asInt()).isEqualTo(1);
        assertThat(done.get("enqueued").asInt()).isEqualTo(1);
        assertThat(done.get("condition").asText()).isEqualTo("RetriesExhausted");

        RecordedRequest instead = target.awaitOne(r -> r.path().equals("/instead"), WAIT);
        assertThat(instead.header("Idempotency-Key")).isNotIn(rejected, exhausted);
        Thread.sleep(1000);
        assertThat(target.received().stream().filter(r -> r.path().equals("/filtered-rejected")))
                .as("the Rejected one is not replayed")
                .hasSize(1);
    }

    @Test
    void anInvalidReplayIs422NamingTheFieldAndAnUnknownOneIs404() throws Exception {
        assertInvalid("{\"from\":\"2026-11-22T06:00:00Z\",\"to\":\"2026-11-22T05:00:00Z\"}", "to");
        assertInvalid("{\"from\":\"2026-11-22T05:00:00Z\",\"to\":\"2026-11-22T05:00:00Z\"}", "to");
        assertInvalid("{\"from\":\"yesterday\",\"to\":\"2026-11-22T05:00:00Z\"}", "from");
        assertInvalid("{\"from\":\"2026-11-22T05:00:00Z\"}", "to");
        assertInvalid("{\"from\":\"2026-11-01T05:00:00Z\",\"to\":\"2026-11-22T05:00:00Z\"}", "to");
        assertInvalid(
                "{\"from\":\"2026-11-22T05:00:00Z\",\"to\":\"2026-11-22T06:00:00Z\",\"condition\":\"Success\"}",
                "condition");
        assertInvalid(
                "{\"from\":\"2026-11-22T05:00:00Z\",\"to\":\"2026-11-22T06:00:00Z\",\"target\":{\"type\":\"http\"}}",
                "target.url");
        assertInvalid("{\"from\":\"2026-11-22T05:00:00Z\",\"to\":\"2026-11-22T06:00:00Z\",\"colour\":1}", "colour");
        assertThat(post("/v1/replays", "{not json").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/replays/no-such-replay"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void aCallerCannotSetReplayOfItself() throws Exception {
        HttpResponse<String> refused = post(
                "/v1/invocations",
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/x") + "\"},\"replayOf\":\"abc\"}");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).at("/errors/0/field").asText()).isEqualTo("replayOf");
    }

    private static void assertInvalid(String body, String field) throws Exception {
        HttpResponse<String> refused = post("/v1/replays", body);
        assertThat(refused.statusCode()).as(body + " → " + refused.body()).isEqualTo(422);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(refused.body()).get("errors").findValuesAsText("field"))
                .as(body)
                .contains(field);
    }

    /** Accepts one failing invocation per path and waits until each has its failure record. */
    private static List<String> failAt(String... paths) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String path : paths) {
            failing.add(path);
            ids.add(api.accept(invocation(path, "")));
        }
        return ids;
    }

    private static String invocation(String path, String more) {
        return "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url(path) + "\"}" + more + "}";
    }

    /** Waits for the failure records of {@code ids} and answers the latest one's timestamp. */
    private static long lastFailureTimestamp(List<String> ids) {
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            return client.await("courier.failures", r -> ids.contains(r.key()), ids.size(), WAIT).stream()
                    .mapToLong(ConsumerRecord::timestamp)
                    .max()
                    .orElseThrow();
        }
    }

    private static JsonNode awaitReplay(String id) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode progress = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/replays/" + id))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                progress = JSON.readTree(response.body());
                if (!progress.get("state").asText().equals("RUNNING")) {
                    return progress;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("replay " + id + " did not end within " + WAIT + "; last: " + progress);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(ConsumerRecord<String, byte[]> record) {
        try {
            return JSON.readTree(record.value());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
