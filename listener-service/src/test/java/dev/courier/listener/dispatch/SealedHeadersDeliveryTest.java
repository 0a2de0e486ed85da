package dev.courier.listener.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.secret.SealedHeaders;
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

/**
 * Sensitive header values travel sealed, as the accepter writes them (sealed here with the listener's own keys, the
 * test profile's development key), and only the target and the callback see them in clear: not the request's record,
 * not the delay tier a retry waits in, not the invocation record, not a dead letter's {@code payloadBase64}.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class SealedHeadersDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TARGET_SECRET = "Bearer t4rget-s3cret-" + Ulid.next();
    private static final String CALLBACK_SECRET = "cb-s3cret-" + Ulid.next();

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @Inject
    SealedHeaders sealing;

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
    void theTargetAndTheCallbackGetTheClearValuesAndNoRecordHoldsThem() throws Exception {
        // The first attempt is answered 503: the request waits in courier.delay.1s, then the second succeeds.
        AtomicInteger answered = new AtomicInteger();
        target.respondWith(call -> answered.incrementAndGet() == 1 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        String id = Ulid.next();
        client.send("courier.requests", id, sealedRequest(id, ""));

        List<RecordedRequest> calls = target.await(r -> id.equals(r.header("Idempotency-Key")), 2, WAIT);
        assertThat(calls).extracting(call -> call.header("Authorization")).containsOnly(TARGET_SECRET);
        assertThat(calls.get(0).header("X-Tenant")).isEqualTo("acme");
        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.header("X-Api-Key")).isEqualTo(CALLBACK_SECRET);
        assertThat(json(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT))
                        .at("/courier/condition")
                        .asText())
                .isEqualTo("Success");

        for (String topic : List.of("courier.requests", "courier.delay.1s", "courier.results")) {
            List<ConsumerRecord<String, byte[]>> records = client.readAll(topic).stream()
                    .filter(r -> KafkaTestClient.text(r).contains(id))
                    .toList();
            assertThat(records).as(topic).isNotEmpty().allSatisfy(record -> assertThat(KafkaTestClient.text(record))
                    .as(topic)
                    .doesNotContain(TARGET_SECRET)
                    .doesNotContain(CALLBACK_SECRET));
        }
        assertThat(client.readAll("courier.delay.1s").stream()
                        .filter(r -> KafkaTestClient.text(r).contains(id))
                        .map(KafkaTestClient::text))
                .allSatisfy(waiting -> assertThat(waiting).contains(SealedHeaders.PREFIX));
    }

    @Test
    void aRecordTheListenerCannotReadKeepsItsValuesSealedInPayloadBase64() throws Exception {
        String id = Ulid.next();
        // Valid JSON, invalid request (timeoutSeconds 0): dead-lettered with its bytes.
        var position = client.send("courier.requests", id, sealedRequest(id, ",\"timeoutSeconds\":0"));

        ConsumerRecord<String, byte[]> rejected = client.awaitOne(
                "courier.failures",
                r -> json(r).at("/courier/source/offset").asLong() == position.offset()
                        && json(r).at("/courier/source/partition").asInt() == position.partition(),
                WAIT);
        String payload = new String(
                Base64.getDecoder()
                        .decode(json(rejected).at("/courier/payloadBase64").asText()),
                StandardCharsets.UTF_8);
        assertThat(payload).contains(id).contains(SealedHeaders.PREFIX);
        assertThat(payload).doesNotContain(TARGET_SECRET).doesNotContain(CALLBACK_SECRET);
        assertThat(KafkaTestClient.text(rejected)).doesNotContain(TARGET_SECRET);
        assertThat(target.received()).isEmpty();
    }

    @Test
    void aValueSealedForAnotherInvocationIsNeverSent() throws Exception {
        String id = Ulid.next();
        String copied = sealing.seal(Ulid.next(), SealedHeaders.HEADERS, "Authorization", TARGET_SECRET);
        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/copied")
                        + "\"},\"headers\":{\"Authorization\":\"" + copied + "\"}}");

        JsonNode record = json(client.awaitOne("courier.failures", r -> id.equals(r.key()), WAIT));
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("InvalidRequest");
        assertThat(record.at("/data/response/errorMessage").asText())
                .contains("headers.Authorization: the sealed value does not open");
        assertThat(record.toString()).doesNotContain(TARGET_SECRET);
        assertThat(target.received()).isEmpty();
    }

    /** A request as the accepter stores it: Authorization and the callback's X-Api-Key sealed for {@code id}. */
    private String sealedRequest(String id, String extra) {
        Map<String, String> headers = Map.of(
                "Authorization",
                sealing.seal(id, SealedHeaders.HEADERS, "Authorization", TARGET_SECRET),
                "X-Tenant",
                "acme");
        Map<String, String> callbackHeaders =
                Map.of("X-Api-Key", sealing.seal(id, SealedHeaders.CALLBACK_HEADERS, "X-Api-Key", CALLBACK_SECRET));
        try {
            return "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/sealed")
                    + "\"},\"headers\":" + JSON.writeValueAsString(headers) + ",\"callback\":{\"url\":\""
                    + callback.url("/done") + "\",\"headers\":" + JSON.writeValueAsString(callbackHeaders) + "}"
                    + ",\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":500}" + extra + "}";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(ConsumerRecord<String, byte[]> record) {
        try {
            return JSON.readTree(record.value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
