package dev.courier.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * The {@code idempotencyKey} of requests a producer publishes straight to {@code courier.requests}, over listener and
 * cache-service processes on a real broker: two records with the same key are one delivery, and the second is
 * recorded as a duplicate of the first.
 */
class DirectProducerIdempotencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess cache;
    private static ServiceProcess listener;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        target.respondWith(request -> Reply.json(200, "{}"));
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("direct-keys-cache", kafka);
        listener = ServiceProcess.start(
                "direct-keys-listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.listener.egress.allow-loopback",
                        "true",
                        "courier.listener.cache-url",
                        cache.baseUri().toString()));
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {listener, cache, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void twoRecordsWithTheSameKeyAreOneDeliveryAndTheSecondIsRecordedAsADuplicate() throws Exception {
        String key = "order-" + UUID.randomUUID();
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        try (KafkaTestClient producer = new KafkaTestClient(kafka.bootstrapServers())) {
            // Different partitions (keyed by id), so the two may be read in either order: one of them wins.
            producer.send("courier.requests", first, request(first, "/keyed", key));
            producer.send("courier.requests", second, request(second, "/keyed", key));

            ConsumerRecord<String, byte[]> duplicate = producer.awaitOne(
                    "courier.failures", r -> r.key().equals(first) || r.key().equals(second), WAIT);
            String loser = duplicate.key();
            String winner = loser.equals(first) ? second : first;
            JsonNode record = JSON.readTree(duplicate.value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
            assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("DuplicateRequest");
            assertThat(record.at("/data/response/errorMessage").asText()).contains(winner);
            assertThat(record.at("/courier/attempts").asInt()).isZero();

            assertThat(producer.awaitOne("courier.results", r -> r.key().equals(winner), WAIT))
                    .isNotNull();
            Thread.sleep(1000); // a second delivery, if there were one, would have arrived by now
            List<RecordedRequest> calls = target.received().stream()
                    .filter(r -> r.path().equals("/keyed"))
                    .toList();
            assertThat(calls).extracting(r -> r.header("Idempotency-Key")).containsExactly(winner);
        }
    }

    @Test
    void recordsWithoutIdsAndTheSameKeyAreOneDeliveryAndOtherKeysAreNotHeldBack() throws Exception {
        String key = "no-ids-" + UUID.randomUUID();
        try (KafkaTestClient producer = new KafkaTestClient(kafka.bootstrapServers())) {
            producer.send("courier.requests", key, request(null, "/no-ids", key));
            producer.send("courier.requests", key, request(null, "/no-ids", key));
            producer.send("courier.requests", "other", request(null, "/other-key", "other-" + key));

            target.awaitOne(r -> r.path().equals("/other-key"), WAIT);
            producer.awaitOne(
                    "courier.failures",
                    r -> KafkaTestClient.text(r).contains("DuplicateRequest")
                            && KafkaTestClient.text(r).contains("/no-ids"),
                    WAIT);
            Thread.sleep(1000);
            assertThat(target.received().stream().filter(r -> r.path().equals("/no-ids")))
                    .hasSize(1);
        }
    }

    private static String request(String id, String path, String key) {
        return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"target\":{\"type\":\"http\",\"url\":\""
                + target.url(path) + "\"},\"idempotencyKey\":\"" + key + "\"}";
    }
}
