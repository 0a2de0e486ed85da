package dev.courier.accepter.wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code Prefer: wait} against a real broker: the test writes the invocation record to {@code courier.results} or
 * {@code courier.failures} itself, exactly as the listener would, and the waiting caller is answered from it.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs =
                @ResourceArg(
                        name = KafkaBrokerResource.TOPICS,
                        value = "courier.requests:3,courier.results:3,courier.failures:3"))
class PreferWaitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/")
    URI base;

    @Inject
    InvocationRecordFollower follower;

    @Inject
    InvocationWaiters waiters;

    @Inject
    MeterRegistry registry;

    KafkaTestClient client;

    @BeforeEach
    void connect() throws Exception {
        client = new KafkaTestClient(kafka.bootstrapServers());
        // Records are followed from the end of each partition: wait until all six are positioned.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (follower.following().size() < 6 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(follower.following()).as("followed partitions").hasSize(6);
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void theFollowerIsInTheServiceLiveness() {
        assertThat(follower.isLive()).isTrue();
        given().get("/q/health/live")
                .then()
                .statusCode(200)
                .body(
                        "checks.find { it.name == 'courier-consumer-loops' }.data",
                        equalTo(Map.of("courier-accepter-wait-follower", true)));
    }

    @Test
    void aWaitingCallerGetsTheTargetsAnswerAsSoonAsTheRecordIsWritten() throws Exception {
        String correlationId = "wait-" + Ulid.next();
        CompletableFuture<HttpResponse<byte[]>> answer =
                post("/v1/invocations", invocation(correlationId), "wait=20", "application/json");

        JsonNode stored = storedRequest(correlationId);
        String id = stored.get("id").asText();
        assertThat(stored.get("recordResponse").asBoolean())
                .as("stored asking for the response in the record")
                .isTrue();
        assertThat(answer).isNotDone();

        long written = System.nanoTime();
        client.send(
                "courier.results",
                id,
                record(
                        id,
                        correlationId,
                        "Success",
                        "201",
                        "{\"contentType\":\"text/plain; charset=utf-8\"," + "\"bodyBase64\":\""
                                + base64("created order 42") + "\"}"));
        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - written) / 1_000_000;

        assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
        assertThat(elapsedMs)
                .as("answered when the record came, not at the end of the wait")
                .isLessThan(5_000);
        assertThat(text(response)).isEqualTo("created order 42");
        assertThat(response.headers().firstValue("Content-Type"))
                .as("the target's, though the caller accepts JSON")
                .hasValue("text/plain; charset=utf-8");
        assertThat(response.headers().firstValue("Courier-Invocation-Id")).hasValue(id);
        assertThat(response.headers().firstValue("Courier-Condition")).hasValue("Success");
        assertThat(response.headers().firstValue("Courier-Status")).hasValue("201");
        assertThat(response.headers().firstValue("Courier-Attempts")).hasValue("1");
        assertThat(response.headers().firstValue("Courier-Correlation-Id")).hasValue(correlationId);
        assertThat(response.headers().firstValue("Courier-Response-Truncated")).isEmpty();
        assertThat(response.headers().firstValue("Preference-Applied")).hasValue("wait=20");
        assertThat(response.headers().firstValue("Location")).hasValue("/v1/invocations/" + id);
    }

    @Test
    void aFailureEndsTheWaitTooAndTheHeadersSayHow() throws Exception {
        String correlationId = "fail-" + Ulid.next();
        CompletableFuture<HttpResponse<byte[]>> answer =
                post("/v1/invocations", invocation(correlationId), "respond-async, wait=20", null);
        String id = storedRequest(correlationId).get("id").asText();

        client.send(
                "courier.failures",
                id,
                record(
                        id,
                        correlationId,
                        "RetriesExhausted",
                        "503",
                        "{\"contentType\":\"application/json\"," + "\"bodyBase64\":\"" + base64("{\"error\":\"busy\"}")
                                + "\",\"truncated\":true}"));
        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Courier-Condition")).hasValue("RetriesExhausted");
        assertThat(response.headers().firstValue("Courier-Status")).hasValue("503");
        assertThat(response.headers().firstValue("Courier-Response-Truncated")).hasValue("true");
        assertThat(text(response)).isEqualTo("{\"error\":\"busy\"}");
    }

    @Test
    void aTargetThatNeverAnsweredEndsTheWaitWithoutStatusOrBody() throws Exception {
        String correlationId = "timeout-" + Ulid.next();
        CompletableFuture<HttpResponse<byte[]>> answer =
                post("/v1/invocations", invocation(correlationId), "wait=20", null);
        String id = storedRequest(correlationId).get("id").asText();

        client.send("courier.failures", id, record(id, correlationId, "RetriesExhausted", null, null));
        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Courier-Condition")).hasValue("RetriesExhausted");
        assertThat(response.headers().firstValue("Courier-Status")).isEmpty();
        assertThat(response.body()).isEmpty();
    }

    @Test
    void nothingIsReadWhileNobodyWaitsAndTheNextCallerStillGetsItsRecord() throws Exception {
        // Nobody waits: after the linger (1 s in tests) the consumer stops fetching, whatever is written meanwhile.
        awaitNotReading();
        double fetchesBefore = fetches();
        double consumedBefore = consumed();
        for (int i = 0; i < 50; i++) {
            String other = Ulid.next();
            client.send("courier.results", other, record(other, "nobody-waits", "Success", "200", null));
        }
        Thread.sleep(1_500);
        assertThat(follower.isReading()).as("reading while nobody waits").isFalse();
        assertThat(fetches()).as("fetches while nobody waits").isEqualTo(fetchesBefore);

        // The first caller after the quiet spell: its request is published once the ends are looked up, so its
        // record, written right after, is read.
        String correlationId = "quiet-" + Ulid.next();
        CompletableFuture<HttpResponse<byte[]>> answer =
                post("/v1/invocations", invocation(correlationId), "wait=20", null);
        String id = storedRequest(correlationId).get("id").asText();
        assertThat(follower.isReading()).as("reading once somebody waits").isTrue();
        client.send("courier.results", id, record(id, correlationId, "Success", "204", null));

        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Courier-Invocation-Id")).hasValue(id);
        assertThat(fetches()).as("fetches while somebody waits").isGreaterThan(fetchesBefore);
        assertThat(consumed() - consumedBefore)
                .as("records read: from the end on, not the 50 written while nobody waited")
                .isBetween(1.0, 10.0);

        // And it stops again once nobody has waited for the linger.
        awaitNotReading();
    }

    @Test
    void withoutARecordInTimeTheAnswerIsTheUsual202AfterTheWait() throws Exception {
        String correlationId = "slow-" + Ulid.next();
        long start = System.nanoTime();
        HttpResponse<byte[]> response = post("/v1/invocations", invocation(correlationId), "wait=2", null)
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(elapsedMs).isBetween(2_000L, 6_000L);
        JsonNode accepted = JSON.readTree(response.body());
        assertThat(accepted.get("status").asText()).isEqualTo("ACCEPTED");
        assertThat(response.headers().firstValue("Preference-Applied")).hasValue("wait=2");
        assertThat(response.headers().firstValue("Location"))
                .hasValue("/v1/invocations/" + accepted.get("id").asText());
        assertThat(waiters.size()).as("the waiter is gone").isZero();
    }

    @Test
    void aWaitOverTheMaximumIsShortenedAndTheAnswerSaysTo() throws Exception {
        String correlationId = "long-" + Ulid.next();
        CompletableFuture<HttpResponse<byte[]>> answer =
                post("/v1/invocations", invocation(correlationId), "wait=3600", null);
        String id = storedRequest(correlationId).get("id").asText();

        client.send("courier.results", id, record(id, correlationId, "Success", "204", null));

        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Preference-Applied"))
                .as("courier.accepter.wait.max")
                .hasValue("wait=30");
    }

    @Test
    void withoutAWaitPreferenceTheAnswerIs202AtOnceAndTheRequestIsStoredAsSent() throws Exception {
        for (String prefer : new String[] {null, "wait=soon", "wait=0", "respond-async"}) {
            String correlationId = "now-" + Ulid.next();
            long start = System.nanoTime();
            HttpResponse<byte[]> response = post("/v1/invocations", invocation(correlationId), prefer, null)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(response.statusCode()).as(prefer).isEqualTo(202);
            assertThat(elapsedMs).as(prefer).isLessThan(2_000);
            assertThat(response.headers().firstValue("Preference-Applied"))
                    .as(prefer)
                    .isEmpty();
            assertThat(storedRequest(correlationId).has("recordResponse"))
                    .as(prefer)
                    .isFalse();
        }
    }

    @Test
    void aRelayedCallCanBeWaitedForAndOnlyTheWaitPreferenceIsTheAccepters() throws Exception {
        String correlationId = "relay-" + Ulid.next();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/relay/orders/42"))
                .header("Content-Type", "application/json")
                .header("Courier-Correlation-Id", correlationId)
                .header("Prefer", "return=minimal, wait=20")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"quantity\":3}"))
                .build();
        CompletableFuture<HttpResponse<byte[]>> answer =
                HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());

        JsonNode stored = storedRequest(correlationId);
        String id = stored.get("id").asText();
        assertThat(stored.at("/headers/Prefer").asText()).isEqualTo("return=minimal");
        assertThat(stored.get("recordResponse").asBoolean()).isTrue();

        client.send(
                "courier.results",
                id,
                record(
                        id,
                        correlationId,
                        "Success",
                        "200",
                        "{\"contentType\":\"application/json\"," + "\"bodyBase64\":\""
                                + base64("{\"quantity\":3,\"id\":42}") + "\"}"));
        HttpResponse<byte[]> response = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("{\"quantity\":3,\"id\":42}");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    private void awaitNotReading() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (follower.isReading() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(follower.isReading()).as("reading, with nobody waiting").isFalse();
    }

    /** The follower's consumer's fetch requests so far, from its own metrics. */
    private double fetches() {
        return registry.get("kafka.consumer.fetch.manager.fetch.total")
                .tag("client.id", "courier-accepter-wait")
                .functionCounter()
                .count();
    }

    /** The records the follower's consumer has read so far, from its own metrics. */
    private double consumed() {
        return registry
                .get("kafka.consumer.fetch.manager.records.consumed.total")
                .tag("client.id", "courier-accepter-wait")
                .functionCounters()
                .stream()
                .filter(counter -> counter.getId().getTag("topic") == null)
                .mapToDouble(counter -> counter.count())
                .sum();
    }

    /** POSTs {@code body} to {@code path} with {@code Prefer: prefer} (if not null) and answers the pending response. */
    private CompletableFuture<HttpResponse<byte[]>> post(String path, String body, String prefer, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (prefer != null) {
            request.header("Prefer", prefer);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String invocation(String correlationId) {
        return "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/orders\"},\"correlationId\":\""
                + correlationId + "\"}";
    }

    /** The request as stored on {@code courier.requests}, found by its correlation id. */
    private JsonNode storedRequest(String correlationId) throws Exception {
        return JSON.readTree(client.awaitOne(
                        "courier.requests", r -> KafkaTestClient.text(r).contains("\"" + correlationId + "\""), WAIT)
                .value());
    }

    /** An invocation record as the listener writes it; {@code response} is {@code courier.response}'s JSON or null. */
    private static String record(String id, String correlationId, String condition, String status, String response) {
        Instant now = Instant.now();
        boolean success = condition.equals("Success");
        return """
                {"id":"%s","version":"1.0",
                 "data":{"compartmentId":null,"functionId":null,"applicationId":null,
                         "request":{"opcRequestId":"%s","fnCallId":"%s"},
                         "response":{"status":%s,"errorCode":%s,"errorMessage":%s,"timestamp":"%s"}},
                 "courier":{"invocationId":"%s","condition":"%s","attempts":1,
                            "target":{"type":"http","url":"https://example.com/orders"},
                            "acceptedAt":"%s","completedAt":"%s","durationMs":41%s}}
                """
                .formatted(
                        Ulid.next(),
                        correlationId,
                        id,
                        status == null ? "null" : "\"" + status + "\"",
                        success ? "null" : "\"TargetResponseError\"",
                        success ? "null" : "\"the target failed\"",
                        now,
                        id,
                        condition,
                        now.minusMillis(41),
                        now,
                        response == null ? "" : ",\"response\":" + response);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }
}
