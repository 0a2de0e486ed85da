package dev.courier.listener.oci;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.inject.Inject;

import dev.courier.common.id.Ulid;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.ClientConfigRecorder;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.OciStreamingRequirements;
import dev.courier.testing.kafka.OciStreamingRequirements.PlainCredentials;
import dev.courier.testing.kafka.OciStreamingTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listener with the {@code oci} profile's Kafka settings against a broker that, like OCI Streaming, takes only
 * SASL_SSL with PLAIN and the stream pool user's auth token: a delivery that needs a retry goes through every client the
 * listener builds (request consumer, producer, delay-tier consumer; the cache change-log follower runs alongside), each has
 * the settings OCI Streaming needs, and the token never reaches the log.
 */
@QuarkusTest
@TestProfile(OciStreamingProfileTest.OciStreaming.class)
class OciStreamingProfileTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The listener's {@code %oci.kafka.*} settings. */
    public static class OciStreaming extends OciStreamingTestProfile {
        @Override
        protected String topics() {
            return "courier.requests:2,courier.results:1,courier.failures:1,courier.cache.changes:1,"
                    + "courier.delay.1s:1,courier.delay.10s:1,courier.delay.1m:1,courier.delay.10m:1,courier.delay.1h:1";
        }
    }

    @InjectKafkaBroker
    EmbeddedKafkaBroker kafka;

    @Inject
    @ConfigProperty(name = "courier.oci.streaming.username")
    String username;

    @Inject
    @ConfigProperty(name = "courier.oci.streaming.auth-token")
    String token;

    @Test
    void aRetriedDeliveryRunsOnClientsWithTheOciStreamingSettingsAndTheTokenIsNeverLogged() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (RecordingHttpServer target = RecordingHttpServer.start();
                KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            // The first attempt fails: the retry waits in courier.delay.1s and comes back through the request topic.
            target.respondWith(request -> calls.incrementAndGet() == 1 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
            String id = Ulid.next();
            client.send(
                    "courier.requests",
                    id,
                    "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/work")
                            + "\"},\"retry\":{\"maxAttempts\":2,\"initialBackoffMs\":1000}}");

            String record = KafkaTestClient.text(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT));
            assertThat(record).contains("\"condition\":\"Success\"").contains("\"attempts\":2");
        }

        List<Map<String, Object>> producers = ClientConfigRecorder.producers();
        assertThat(producers).extracting(producer -> producer.get("client.id")).containsExactly("courier-listener");
        Map<String, Object> producer = OciStreamingRequirements.producerSettings(producers.get(0));
        assertThat(OciStreamingRequirements.mismatches(producer, OciStreamingRequirements.PRODUCER))
                .isEmpty();
        assertCredentials(producer);

        List<Map<String, Object>> consumers = ClientConfigRecorder.consumers();
        // The request consumer, the delay-tier consumer, and the cache change-log follower (no group).
        assertThat(consumers)
                .extracting(consumer -> String.valueOf(consumer.get("group.id")))
                .containsExactlyInAnyOrder("courier-listener", "courier-listener-delay", "null");
        for (Map<String, Object> recorded : consumers) {
            Map<String, Object> consumer = OciStreamingRequirements.consumerSettings(recorded);
            assertThat(OciStreamingRequirements.mismatches(consumer, OciStreamingRequirements.CONSUMER))
                    .as("consumer of group %s", recorded.get("group.id"))
                    .isEmpty();
            assertCredentials(consumer);
        }

        String log = Files.readString(OciStreamingTestProfile.LOG_FILE);
        assertThat(log)
                .contains("ProducerConfig values")
                .contains("ConsumerConfig values")
                .contains("sasl.jaas.config = [hidden]");
        assertThat(log).doesNotContain(token);
    }

    private void assertCredentials(Map<String, Object> settings) {
        assertThat(settings.get("bootstrap.servers")).isEqualTo(List.of(kafka.saslSslBootstrapServers()));
        PlainCredentials credentials = OciStreamingRequirements.credentials(settings);
        assertThat(credentials.username()).isEqualTo(username);
        assertThat(credentials.password()).isEqualTo(token);
    }
}
