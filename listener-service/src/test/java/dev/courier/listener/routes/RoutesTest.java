package dev.courier.listener.routes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

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

@QuarkusTest
@WithTestResource(RoutesResource.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs =
                @ResourceArg(
                        name = KafkaBrokerResource.TOPICS,
                        value = "courier.requests:2,courier.results:1,courier.failures:1,courier.delay.1s:1,"
                                + "courier.delay.10s:1,courier.delay.1m:1,courier.delay.10m:1,courier.delay.1h:1"))
class RoutesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    RecordingHttpServer server;
    KafkaTestClient client;

    @BeforeEach
    void connect() {
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void aRouteIsCalledAtItsUrlAndItsAllowanceReachesAnInternalAddress() {
        server.respondWith(request -> Reply.json(200, "{}"));
        String id = Ulid.next();
        publish(id, "{\"type\":\"http\",\"route\":\"internal\",\"method\":\"PUT\"}", ",\"query\":{\"q\":[\"a b\"]}");

        RecordedRequest call = server.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.path()).isEqualTo("/internal");
        assertThat(call.query()).isEqualTo("fixed=1&q=a%20b");
    }

    @Test
    void aPathIsCalledBelowTheRoutesUrlWithTheRoutesQueryAndTheRequests() {
        server.respondWith(request -> Reply.json(200, "{}"));
        String id = Ulid.next();
        publish(
                id,
                "{\"type\":\"http\",\"route\":\"internal\",\"method\":\"GET\",\"path\":\"orders/42%20a/items\"}",
                ",\"query\":{\"q\":[\"1\"]}");

        RecordedRequest call = server.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("GET");
        assertThat(call.path()).isEqualTo("/internal/orders/42%20a/items");
        assertThat(call.query()).isEqualTo("fixed=1&q=1");
    }

    @Test
    void aPathThatWouldLeaveTheRoutesBasePathIsRejectedWithoutACall() throws Exception {
        String id = Ulid.next();
        publish(id, "{\"type\":\"http\",\"route\":\"internal\",\"path\":\"../locked\"}", "");

        // An invalid record's failure record is keyed by an id derived from its position; it keeps the value.
        JsonNode record = JSON.readTree(
                client.awaitOne("courier.failures", r -> payload(r).contains(id), WAIT)
                        .value());
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("InvalidRequest");
        assertThat(record.at("/data/response/errorMessage").asText()).contains("target.path");
        assertThat(server.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .isEmpty();
    }

    @Test
    void theSameAddressByUrlIsRefusedWithoutARoute() throws Exception {
        String id = Ulid.next();
        publish(id, "{\"type\":\"http\",\"url\":\"" + server.url("/internal") + "\"}", "");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetNotAllowed");
        assertThat(server.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .isEmpty();
    }

    @Test
    void aRouteWithoutTheAllowanceIsRefusedAndAnUnknownRouteIsRejected() throws Exception {
        String locked = Ulid.next();
        publish(locked, "{\"type\":\"http\",\"route\":\"locked\"}", "");
        String unknown = Ulid.next();
        publish(unknown, "{\"type\":\"http\",\"route\":\"nowhere\"}", "");

        assertThat(record("courier.failures", locked)
                        .at("/data/response/errorCode")
                        .asText())
                .isEqualTo("TargetNotAllowed");
        JsonNode unknownRecord = record("courier.failures", unknown);
        assertThat(unknownRecord.at("/data/response/errorCode").asText()).isEqualTo("UnsupportedTarget");
        assertThat(unknownRecord.at("/courier/condition").asText()).isEqualTo("Rejected");
    }

    @Test
    void aRoutesRetryDefaultsApply() throws Exception {
        server.respondWith(request -> request.path().equals("/flaky") ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        String id = Ulid.next();
        publish(id, "{\"type\":\"http\",\"route\":\"flaky\"}", "");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/courier/attempts").asInt())
                .as("the route's max-attempts, not the default 5")
                .isEqualTo(2);
    }

    private void publish(String id, String target, String extra) {
        client.send("courier.requests", id, "{\"id\":\"" + id + "\",\"target\":" + target + extra + "}");
    }

    /** The rejected record's value that a failure record keeps, as text. */
    private static String payload(ConsumerRecord<String, byte[]> failure) {
        try {
            String kept =
                    JSON.readTree(failure.value()).at("/courier/payloadBase64").asText();
            return new String(Base64.getDecoder().decode(kept), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode record(String topic, String id) throws Exception {
        return JSON.readTree(
                client.awaitOne(topic, r -> id.equals(r.key()), WAIT).value());
    }
}
