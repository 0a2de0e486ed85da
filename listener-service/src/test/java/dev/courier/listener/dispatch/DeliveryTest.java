package dev.courier.listener.dispatch;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Records on {@code courier.requests}, published as any Kafka producer would, delivered to real local servers. */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class DeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

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
    void theTargetReceivesTheExactCallTheCallbackTheResponseAndTheResultIsRecorded() throws Exception {
        target.respondWith(request -> Reply.text(201, "created order 42").withHeader("X-Target", "yes"));
        String id = Ulid.next();
        publish(
                id,
                """
                {"id":"%s","target":{"type":"http","url":"%s","method":"PUT"},
                 "headers":{"X-Tenant":"acme","Authorization":"Bearer t0k3n","Connection":"close","Courier-Attempt":"99"},
                 "query":{"page":["1"],"tag":["a b","c&d"]},
                 "body":{"order":42,"items":["x","y"]},
                 "callback":{"url":"%s","headers":{"X-Callback-Auth":"s3cret"}},
                 "correlationId":"conv-7"}
                """
                        .formatted(id, target.url("/orders/42?source=courier"), callback.url("/done")));

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.path()).isEqualTo("/orders/42");
        assertThat(call.query()).isEqualTo("source=courier&page=1&tag=a%20b&tag=c%26d");
        assertThat(call.header("X-Tenant")).isEqualTo("acme");
        assertThat(call.header("Authorization")).isEqualTo("Bearer t0k3n");
        assertThat(call.header("Content-Type")).isEqualTo("application/json");
        assertThat(call.header("Courier-Attempt")).isEqualTo("1");
        assertThat(call.header("Courier-Correlation-Id")).isEqualTo("conv-7");
        assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("{\"order\":42,\"items\":[\"x\",\"y\"]}"));

        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.method()).isEqualTo("POST");
        assertThat(forwarded.path()).isEqualTo("/done");
        assertThat(forwarded.bodyText()).isEqualTo("created order 42");
        assertThat(forwarded.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(forwarded.header("Courier-Status")).isEqualTo("201");
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("Success");
        assertThat(forwarded.header("Courier-Correlation-Id")).isEqualTo("conv-7");
        assertThat(forwarded.header("Courier-Attempts")).isEqualTo("1");
        assertThat(forwarded.header("X-Callback-Auth")).isEqualTo("s3cret");

        JsonNode record = recordOn("courier.results", id);
        assertThat(record.get("version").asText()).isEqualTo("1.0");
        assertThat(record.at("/data/request/fnCallId").asText()).isEqualTo(id);
        assertThat(record.at("/data/request/opcRequestId").asText()).isEqualTo("conv-7");
        assertThat(record.at("/data/response/status").asText()).isEqualTo("201");
        assertThat(record.at("/data/response/errorCode").isNull()).isTrue();
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
        assertThat(record.at("/courier/callback/status").asInt()).isEqualTo(200);
        assertThat(record.at("/courier/target/method").asText()).isEqualTo("PUT");
    }

    @Test
    void aRequestAskingForItsResponseHasItInTheRecordCutAtTheLimitAndOthersDoNot() throws Exception {
        byte[] large = new byte[300 * 1024];
        java.util.Arrays.fill(large, (byte) 'x');
        target.respondWith(request -> request.path().equals("/large")
                ? new Reply(200, "application/octet-stream", large, Map.of(), Duration.ZERO)
                : Reply.text(201, "created order 42"));
        String asked = Ulid.next();
        String large1 = Ulid.next();
        String plain = Ulid.next();
        publish(
                asked,
                request(
                        asked,
                        target.url("/small"),
                        "\"recordResponse\":true,\"callback\":{\"url\":\"" + callback.url("/cb") + "\"}"));
        publish(large1, request(large1, target.url("/large"), "\"recordResponse\":true"));
        publish(plain, request(plain, target.url("/small"), null));

        JsonNode record = recordOn("courier.results", asked);
        assertThat(record.at("/courier/response"))
                .isEqualTo(JSON.readTree("{\"contentType\":\"text/plain; charset=utf-8\"," + "\"bodyBase64\":\""
                        + Base64.getEncoder().encodeToString("created order 42".getBytes()) + "\"}"));
        assertThat(record.at("/courier/callback/status").asInt()).isEqualTo(200);

        JsonNode cut = recordOn("courier.results", large1).at("/courier/response");
        assertThat(cut.get("truncated").asBoolean()).isTrue();
        assertThat(Base64.getDecoder().decode(cut.get("bodyBase64").asText()))
                .as("the listener's record-response-max-bytes, 256 KiB")
                .hasSize(262144);

        assertThat(recordOn("courier.results", plain).get("courier").has("response"))
                .isFalse();
    }

    @Test
    void aTargetAnswering500ProducesAFailureRecordAndTheCallbackSaysSo() throws Exception {
        target.respondWith(request -> Reply.json(500, "{\"error\":\"boom\"}"));
        String id = Ulid.next();
        publish(
                id,
                request(
                        id,
                        target.url("/fails"),
                        "\"retry\":{\"maxAttempts\":1},\"callback\":{\"url\":\"" + callback.url("/cb") + "\"}"));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/data/response/status").asText()).isEqualTo("500");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetResponseError");

        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("RetriesExhausted");
        assertThat(forwarded.header("Courier-Status")).isEqualTo("500");
        assertThat(forwarded.bodyText()).isEqualTo("{\"error\":\"boom\"}");
    }

    @Test
    void aClientErrorIsFinalAndRecordedAsRejected() throws Exception {
        target.respondWith(request -> Reply.json(404, "{}"));
        String id = Ulid.next();
        publish(id, request(id, target.url("/missing"), null));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/status").asText()).isEqualTo("404");
        assertThat(target.received()).hasSize(1);
    }

    @Test
    void aGarbageRecordIsDeadLetteredWithItsBytesAndTheRecordBehindItIsStillDelivered() throws Exception {
        String key = "same-partition-" + Ulid.next();
        byte[] garbage = "this is not json {".getBytes(StandardCharsets.UTF_8);
        var garbageAt = client.send("courier.requests", key, garbage, Map.of());
        String id = Ulid.next();
        var validAt = client.send(
                "courier.requests",
                key,
                request(id, target.url("/after-garbage"), null).getBytes(StandardCharsets.UTF_8),
                Map.of());
        assertThat(validAt.partition()).isEqualTo(garbageAt.partition());

        target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        recordOn("courier.results", id);
        ConsumerRecord<String, byte[]> rejected = client.awaitOne(
                "courier.failures",
                r -> {
                    JsonNode node = json(r);
                    return node.at("/courier/source/partition").asInt() == garbageAt.partition()
                            && node.at("/courier/source/offset").asLong() == garbageAt.offset();
                },
                WAIT);
        JsonNode record = json(rejected);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("InvalidRequest");
        assertThat(record.at("/data/response/errorMessage").asText()).contains("not a valid invocation request");
        assertThat(Base64.getDecoder()
                        .decode(record.at("/courier/payloadBase64").asText()))
                .isEqualTo(garbage);
    }

    @Test
    void aRecordThatFailsValidationIsDeadLetteredWithTheFieldNamed() throws Exception {
        String key = Ulid.next();
        var position = client.send("courier.requests", key, "{\"target\":{\"type\":\"http\"}}");

        ConsumerRecord<String, byte[]> rejected = client.awaitOne(
                "courier.failures",
                r -> json(r).at("/courier/source/offset").asLong() == position.offset()
                        && json(r).at("/courier/source/partition").asInt() == position.partition(),
                WAIT);
        assertThat(json(rejected).at("/data/response/errorMessage").asText()).contains("target.url");
    }

    @Test
    void aRecordWithoutAnIdGetsAStableIdDerivedFromItsPosition() throws Exception {
        String marker = Ulid.next();
        var position = client.send(
                "courier.requests",
                marker,
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/no-id/" + marker) + "\"}}");

        RecordedRequest call = target.awaitOne(r -> r.path().equals("/no-id/" + marker), WAIT);
        String expectedId = Ulid.derived(
                Ulid.timestamp(call.header("Idempotency-Key")),
                "courier.requests/" + position.partition() + "/" + position.offset());
        assertThat(call.header("Idempotency-Key")).isEqualTo(expectedId);
        assertThat(recordOn("courier.results", expectedId)
                        .at("/courier/invocationId")
                        .asText())
                .isEqualTo(expectedId);
    }

    @Test
    void aStructuredCloudEventIsUnwrapped() throws Exception {
        String id = Ulid.next();
        publish(
                id,
                "{\"specversion\":\"1.0\",\"type\":\"dev.courier.invocation\",\"source\":\"/test\",\"id\":\"e1\","
                        + "\"datacontenttype\":\"application/json\",\"data\":"
                        + request(id, target.url("/cloudevent"), null) + "}");

        assertThat(target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT)
                        .path())
                .isEqualTo("/cloudevent");
    }

    @Test
    void aBinaryModeCloudEventIsReadFromItsCeHeadersAndValue() throws Exception {
        String id = Ulid.next();
        client.send(
                "courier.requests",
                id,
                request(id, target.url("/binary-event"), "\"body\":{\"n\":1}").getBytes(StandardCharsets.UTF_8),
                Map.of(
                        "ce_specversion", "1.0",
                        "ce_type", "dev.courier.invocation",
                        "ce_source", "/test",
                        "ce_id", "e2",
                        "content-type", "application/json"));

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.path()).isEqualTo("/binary-event");
        assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("{\"n\":1}"));
    }

    @Test
    void aDirectRequestWithAnIdempotencyKeyIsRefusedWhenThereIsNoCacheServiceToClaimItIn() throws Exception {
        // This test's listener has no courier.listener.cache-url.
        String id = Ulid.next();
        publish(id, request(id, target.url("/keyed"), "\"idempotencyKey\":\"order-1\""));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("IdempotencyKeyUnsupported");
        assertThat(record.at("/courier/attempts").asInt()).isZero();
        assertThat(record.at("/courier/request/idempotencyKey").asText())
                .as("kept for a replay")
                .isEqualTo("order-1");
        assertThat(target.received()).as("never delivered").isEmpty();
    }

    @Test
    void textAndBinaryBodiesArriveByteForByte() throws Exception {
        String textId = Ulid.next();
        publish(
                textId,
                request(textId, target.url("/text"), "\"body\":\"hello, world\",\"contentType\":\"text/plain\""));
        byte[] binary = {0, 1, 2, (byte) 0xFF, (byte) 0xFE, 10, 13};
        String binaryId = Ulid.next();
        publish(
                binaryId,
                request(
                        binaryId,
                        target.url("/binary"),
                        "\"bodyBase64\":\"" + Base64.getEncoder().encodeToString(binary) + "\""));

        RecordedRequest text = target.awaitOne(r -> textId.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(text.bodyText()).isEqualTo("hello, world");
        assertThat(text.header("Content-Type")).isEqualTo("text/plain");
        RecordedRequest bytes = target.awaitOne(r -> binaryId.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(bytes.body()).isEqualTo(binary);
        assertThat(bytes.header("Content-Type")).isEqualTo("application/octet-stream");
    }

    @Test
    void aSlowTargetTimesOutAfterThePerAttemptTimeout() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}").after(Duration.ofSeconds(4)));
        String id = Ulid.next();
        publish(id, request(id, target.url("/slow"), "\"timeoutSeconds\":1,\"retry\":{\"maxAttempts\":1}"));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetTimeout");
        assertThat(record.at("/data/response/status").isNull()).isTrue();
    }

    @Test
    void anUnreachableTargetIsRecorded() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String id = Ulid.next();
        publish(id, request(id, "http://127.0.0.1:" + closedPort + "/nobody", "\"retry\":{\"maxAttempts\":1}"));

        assertThat(recordOn("courier.failures", id)
                        .at("/data/response/errorCode")
                        .asText())
                .isEqualTo("TargetUnreachable");
    }

    @Test
    void aLinkLocalTargetIsNeverCalled() throws Exception {
        String id = Ulid.next();
        publish(id, request(id, "http://169.254.169.254/latest/meta-data/", null));

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetNotAllowed");
        assertThat(record.at("/data/response/errorMessage").asText()).contains("link-local");
    }

    private void publish(String key, String json) {
        client.send("courier.requests", key, json);
    }

    private static String request(String id, String url, String extra) {
        return "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + url + "\"}"
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
