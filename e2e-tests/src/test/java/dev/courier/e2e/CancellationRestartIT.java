package dev.courier.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deferral cancelled long before it is due, and a listener restarted after the change log has aged the marker out:
 * the restarted listener learns the cancellation from cache-service at start-up and still never delivers it.
 */
class CancellationRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aCancellationOlderThanTheLogsRetentionStillHoldsAfterAListenerRestart() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start();
                RecordingHttpServer target = RecordingHttpServer.start()) {
            CourierStack.createTopics(kafka);
            kafka.createTopics(1, "courier.cache.changes.aged-out");
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> listenerConfig = new HashMap<>(
                    Map.of("kafka.bootstrap.servers", bootstrap, "courier.listener.egress.allow-loopback", "true"));
            try (ServiceProcess cache = CourierStack.startCache("restart-cache", kafka)) {
                listenerConfig.put("courier.listener.cache-url", cache.baseUri().toString());
                String id;
                try (ServiceProcess accepter = ServiceProcess.start(
                        "restart-accepter",
                        "courier.accepter.app",
                        Map.of(
                                "kafka.bootstrap.servers",
                                bootstrap,
                                "courier.accepter.cache-url",
                                cache.baseUri().toString()))) {
                    try (ServiceProcess first =
                            ServiceProcess.start("restart-listener-first", "courier.listener.app", listenerConfig)) {
                        AccepterApi api = new AccepterApi(accepter);
                        id = api.accept("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/cancelled")
                                + "\"},\"delaySeconds\":8}");
                        api.awaitStatus(id, "SCHEDULED");
                        assertThat(api.cancel(id).statusCode()).isEqualTo(202);
                    }
                }
                // The restarted listener follows a change log that no longer holds the marker.
                listenerConfig.put("courier.listener.cache-changes-topic", "courier.cache.changes.aged-out");
                try (ServiceProcess restarted = ServiceProcess.start(
                                "restart-listener-second", "courier.listener.app", listenerConfig);
                        KafkaTestClient client = new KafkaTestClient(bootstrap)) {
                    JsonNode record = JSON.readTree(
                            client.awaitOne("courier.failures", r -> id.equals(r.key()), Duration.ofSeconds(60))
                                    .value());
                    assertThat(record.at("/courier/condition").asText()).isEqualTo("Cancelled");
                    assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                            .isEmpty();
                }
            }
        }
    }
}
