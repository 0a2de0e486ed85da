package dev.courier.listener.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Retries, deferral, expiry, concurrency and signed callbacks, against a real broker and real local servers. */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class DeliveryEngineTest {
    private static final Logger LOG = Logger.getLogger(DeliveryEngineTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The test profile's signing secret (application.properties), as a receiver would be given it. */
    private static final String SECRET = "whsec_"
            + Base64.getEncoder().encodeToString("courier-test-signing-key-0123456".getBytes(StandardCharsets.UTF_8));

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    KafkaTestClient client;
    RecordingHttpServer target;
    RecordingHttpServer callback;

    @BeforeEach
    void start() {
        client = new KafkaTestClient(kafka.bootstrapServers());
        target = RecordingHttpServer.start();
        callback = RecordingHttpServer.start();
    }

    @AfterEach
    void stop() {
        client.close();
        target.close();
        callback.close();
    }

    @Test
    void twoServiceUnavailableAnswersThenSuccessIsDeliveredOnTheThirdAttemptWithGrowingGaps() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        target.respondWith(request -> calls.incrementAndGet() <= 2 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        String id = Ulid.next();
        publish(id, request(id, "\"retry\":{\"initialBackoffMs\":500,\"multiplier\":3.0,\"maxAttempts\":5}"));

        List<RecordedRequest> attempts = target.await(r -> id.equals(r.header("Idempotency-Key")), 3, WAIT);
        assertThat(attempts).extracting(r -> r.header("Courier-Attempt")).containsExactly("1", "2", "3");
        Duration first =
                Duration.between(attempts.get(0).receivedAt(), attempts.get(1).receivedAt());
        Duration second =
                Duration.between(attempts.get(1).receivedAt(), attempts.get(2).receivedAt());
        assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(400)); // 500 ms less the 20% jitter
        assertThat(second).isGreaterThan(first);

        JsonNode record = recordOn("courier.results", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(3);
        Thread.sleep(1500); // nothing more may follow a success
        assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .hasSize(3);
    }

    @Test
    void aClientErrorGetsOneAttemptAndAFailureRecord() throws Exception {
        target.respondWith(request -> Reply.json(400, "{\"error\":\"bad\"}"));
        String id = Ulid.next();
        publish(id, request(id, "\"retry\":{\"initialBackoffMs\":100,\"maxAttempts\":5}"));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
        assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .hasSize(1);
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        target.respondWith(request -> calls.incrementAndGet() == 1
                ? Reply.json(429, "{}").withHeader("Retry-After", "2")
                : Reply.json(200, "{}"));
        String id = Ulid.next();
        publish(id, request(id, "\"retry\":{\"initialBackoffMs\":100,\"maxAttempts\":3}"));

        List<RecordedRequest> attempts = target.await(r -> id.equals(r.header("Idempotency-Key")), 2, WAIT);
        assertThat(Duration.between(
                        attempts.get(0).receivedAt(), attempts.get(1).receivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void retriesThatRunOutOfAttemptsEndAsRetriesExhausted() throws Exception {
        target.respondWith(request -> Reply.json(502, "{}"));
        String id = Ulid.next();
        publish(id, request(id, "\"retry\":{\"initialBackoffMs\":100,\"maxAttempts\":3}"));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(3);
        // Once seen without a status (an answered call taken for a failure, since fixed in OutboundHttp); if the last
        // attempt got no response again, the record says why.
        assertThat(record.at("/data/response/status").asText())
                .as("the last attempt's response, in %s", record)
                .isEqualTo("502");
    }

    @Test
    void aDeferredInvocationIsNotDeliveredBeforeItsTimeAndSoonAfter() throws Exception {
        String id = Ulid.next();
        Instant deliverAt = Instant.now().plusSeconds(5);
        publish(id, request(id, "\"deliverAt\":\"" + deliverAt + "\""));

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.receivedAt()).isAfterOrEqualTo(deliverAt);
        // "Soon after" means through the 1 s tier: a request parked in the 10 s tier would arrive about 5 s late.
        // The bound leaves room for a slow machine (CI saw 2.15 s once) and still tells the two apart.
        assertThat(call.receivedAt()).isBefore(deliverAt.plusSeconds(4));
        assertThat(call.header("Courier-Attempt")).isEqualTo("1");
    }

    @Test
    void aDelayInSecondsCountsFromAcceptance() throws Exception {
        String id = Ulid.next();
        Instant sent = Instant.now();
        publish(id, request(id, "\"delaySeconds\":3"));

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.receivedAt()).isAfterOrEqualTo(sent.plusSeconds(3));
        assertThat(call.receivedAt()).isBefore(sent.plusSeconds(5));
    }

    @Test
    void anInvocationThatOutlivesItsMaxAgeEndsAsEventAgeExceeded() throws Exception {
        target.respondWith(request -> Reply.json(503, "{}"));
        String id = Ulid.next();
        publish(
                id,
                request(
                        id,
                        "\"maxAgeSeconds\":2,\"retry\":{\"initialBackoffMs\":800,\"multiplier\":2.0,"
                                + "\"maxAttempts\":10},\"callback\":{\"url\":\"" + callback.url("/expired") + "\"}"));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.at("/courier/attempts").asInt()).isBetween(1, 3);
        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("EventAgeExceeded");
    }

    @Test
    void onePartitionFiveHundredSlowCallsAreAllDeliveredConcurrentlyNeverMoreThanTheLimitAtOnce() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}").after(Duration.ofMillis(100)));
        String key = "one-partition-" + Ulid.next(); // the same key: every record on one partition
        Set<String> ids = new HashSet<>();
        List<String> requests = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String id = Ulid.next();
            ids.add(id);
            requests.add(request(id, null));
        }
        client.sendAll("courier.requests", key, requests);

        List<RecordedRequest> calls = target.await(r -> ids.contains(r.header("Idempotency-Key")), 500, WAIT);
        Instant first = calls.stream()
                .map(RecordedRequest::receivedAt)
                .min(Instant::compareTo)
                .orElseThrow();
        Instant last = calls.stream()
                .map(RecordedRequest::receivedAt)
                .max(Instant::compareTo)
                .orElseThrow();
        double seconds = Duration.between(first, last).plusMillis(100).toMillis() / 1000.0;
        LOG.infof(
                "500 calls to a 100 ms target on one partition: first to last answer %.2f s, %.0f calls/s"
                        + " (Little's-law limit with 256 in flight: 2560/s)",
                seconds, 500 / seconds);
        assertThat(calls.stream().map(r -> r.header("Idempotency-Key")).collect(Collectors.toSet()))
                .isEqualTo(ids);
        client.await("courier.results", r -> ids.contains(r.key()), 500, WAIT);
        // max-in-flight (256) bounds the calls open at once, and the listener does use many of its slots.
        assertThat(target.peakOpen()).isBetween(64, 256);
    }

    @Test
    void aFailingCallbackIsRetriedWithoutCallingTheTargetAgainAndTheRecordWaitsForIt() throws Exception {
        target.respondWith(request -> Reply.text(200, "the answer"));
        AtomicInteger callbackCalls = new AtomicInteger();
        callback.respondWith(
                request -> callbackCalls.incrementAndGet() <= 2 ? Reply.json(503, "{}") : Reply.json(204, ""));
        String id = Ulid.next();
        publish(
                id,
                request(
                        id,
                        "\"retry\":{\"initialBackoffMs\":300,\"maxAttempts\":5},\"callback\":{\"url\":\""
                                + callback.url("/flaky-callback") + "\"}"));

        List<RecordedRequest> deliveries = callback.await(r -> id.equals(r.header("Courier-Invocation-Id")), 3, WAIT);
        assertThat(deliveries).allSatisfy(delivery -> {
            assertThat(delivery.bodyText()).isEqualTo("the answer");
            assertThat(delivery.header("webhook-id")).isEqualTo(id);
        });
        JsonNode record = recordOn("courier.results", id);
        assertThat(record.at("/courier/callback/status").asInt()).isEqualTo(204);
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
        assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .hasSize(1);
        assertThat(client.readAll("courier.results").stream().filter(r -> id.equals(r.key())))
                .as("one record per invocation")
                .hasSize(1);
    }

    @Test
    void aCallbackIsSignedTheStandardWebhooksWay() throws Exception {
        target.respondWith(request -> Reply.json(200, "{\"answer\":42}"));
        String id = Ulid.next();
        publish(id, request(id, "\"callback\":{\"url\":\"" + callback.url("/signed") + "\"}"));

        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        String messageId = forwarded.header("webhook-id");
        String timestamp = forwarded.header("webhook-timestamp");
        assertThat(messageId).isEqualTo(id);
        assertThat(Long.parseLong(timestamp))
                .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.api.Assertions.within(60L));
        assertThat(forwarded.header("webhook-signature"))
                .isEqualTo(expectedSignature(SECRET, messageId, timestamp, forwarded.body()));
        assertThat(forwarded.header("webhook-signature"))
                .as("a tampered body no longer verifies")
                .isNotEqualTo(expectedSignature(SECRET, messageId, timestamp, "{\"answer\":43}".getBytes()));
    }

    /**
     * A verifier written from the Standard Webhooks specification: the signed content is
     * {@code msg_id.timestamp.payload}, the key is the base64 part of the {@code whsec_} secret, and the header carries
     * {@code v1,} followed by the base64 HMAC-SHA256.
     */
    private static String expectedSignature(String secret, String msgId, String timestamp, byte[] payload)
            throws Exception {
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] signedContent = (msgId + "." + timestamp + "." + new String(payload, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signedContent));
    }

    private void publish(String key, String json) {
        client.send("courier.requests", key, json);
    }

    private String request(String id, String extra) {
        return "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/engine") + "\"}"
                + (extra == null ? "" : "," + extra) + "}";
    }

    private JsonNode recordOn(String topic, String invocationId) {
        return json(client.awaitOne(topic, r -> invocationId.equals(r.key()), WAIT));
    }

    private static JsonNode json(ConsumerRecord<String, byte[]> record) {
        try {
            return JSON.readTree(record.value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
