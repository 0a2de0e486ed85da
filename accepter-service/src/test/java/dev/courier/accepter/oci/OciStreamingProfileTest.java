package dev.courier.accepter.oci;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import dev.courier.testing.kafka.ClientConfigRecorder;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.OciStreamingRequirements;
import dev.courier.testing.kafka.OciStreamingRequirements.PlainCredentials;
import dev.courier.testing.kafka.OciStreamingTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The accepter with the {@code oci} profile's Kafka settings against a broker that, like OCI Streaming, takes only
 * SASL_SSL with PLAIN and the stream pool user's auth token: the producer the accepter builds and the consumer that
 * follows the invocation records have the settings OCI Streaming needs, the producer authenticates, and the token
 * never reaches the log.
 */
@QuarkusTest
@TestProfile(OciStreamingProfileTest.OciStreaming.class)
class OciStreamingProfileTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The accepter's {@code %oci.kafka.*} settings. */
    public static class OciStreaming extends OciStreamingTestProfile {
        @Override
        protected String topics() {
            return "courier.requests:1,courier.results:1,courier.failures:1";
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
    void theRequestProducerHasTheOciStreamingSettingsAuthenticatesAndTheTokenIsNeverLogged() throws Exception {
        // 202 only after acks=all: the producer reached the broker over TLS and SASL PLAIN. The first request also
        // opens the producer's connection (TLS handshake, SASL); on a loaded machine that can outlast the publish
        // timeout, and 503 means "not accepted, send it again", so a few tries are allowed.
        Response response = null;
        for (int attempt = 0; attempt < 5 && (response == null || response.statusCode() == 503); attempt++) {
            response = given().contentType("application/json")
                    .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/hook\"}}")
                    .post("/v1/invocations");
        }
        String id = response.then().statusCode(202).extract().path("id");
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.awaitOne(
                    "courier.requests", record -> KafkaTestClient.text(record).contains(id), WAIT);
        }

        List<Map<String, Object>> producers = ClientConfigRecorder.producers();
        assertThat(producers).extracting(producer -> producer.get("client.id")).containsExactly("courier-accepter");
        Map<String, Object> settings = OciStreamingRequirements.producerSettings(producers.get(0));
        assertThat(OciStreamingRequirements.mismatches(settings, OciStreamingRequirements.PRODUCER))
                .isEmpty();
        assertThat(settings.get("bootstrap.servers")).isEqualTo(List.of(kafka.saslSslBootstrapServers()));
        PlainCredentials credentials = OciStreamingRequirements.credentials(settings);
        assertThat(credentials.username()).isEqualTo(username);
        assertThat(credentials.password()).isEqualTo(token);

        // The invocation-records consumer (Prefer: wait) reads within OCI Streaming's limits with the same login.
        Map<String, Object> follower = ClientConfigRecorder.consumers().stream()
                .filter(consumer -> "courier-accepter-wait".equals(consumer.get("client.id")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no invocation-records consumer was created"));
        Map<String, Object> consumerSettings = OciStreamingRequirements.consumerSettings(follower);
        assertThat(OciStreamingRequirements.mismatches(consumerSettings, OciStreamingRequirements.CONSUMER))
                .isEmpty();
        assertThat(OciStreamingRequirements.credentials(consumerSettings).password())
                .isEqualTo(token);
        assertThat(consumerSettings.get("group.id"))
                .as("partitions assigned, no group")
                .isNull();

        String log = Files.readString(OciStreamingTestProfile.LOG_FILE);
        assertThat(log).contains("ProducerConfig values").contains("sasl.jaas.config = [hidden]");
        assertThat(log).doesNotContain(token);
    }

    @Test
    void readinessReachesKafkaWithTheSameSettings() {
        // Quarkus' Kafka health check uses an admin client built from the same kafka.* settings.
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
