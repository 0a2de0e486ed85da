package dev.courier.cache.oci;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import dev.courier.cache.api.StatusResource;
import dev.courier.common.id.Ulid;
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
 * The cache-service with the {@code oci} profile's Kafka settings against a broker that, like OCI Streaming, takes only
 * SASL_SSL with PLAIN and the stream pool user's auth token: a write goes through the change-log producer and the log
 * follower, invocation status through the status projector; each client has the settings OCI Streaming needs, the
 * projector commits at most every 100 ms even when its batches take no time, and the token never reaches the log.
 */
@QuarkusTest
@TestProfile(OciStreamingProfileTest.OciStreaming.class)
class OciStreamingProfileTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BURSTS = 5;
    /** More than one poll's worth (max.poll.records is 500): each burst is read as batches in quick succession. */
    private static final int SKIPPED_PER_BURST = 1000;

    private static final Duration BURST_SPACING = Duration.ofMillis(150);

    /** The cache-service's {@code %oci.kafka.*} settings. */
    public static class OciStreaming extends OciStreamingTestProfile {
        @Override
        protected String topics() {
            return "courier.cache.changes:2,courier.requests:2,courier.results:1,courier.failures:1,"
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
    void writesAndStatusRunOnClientsWithTheOciStreamingSettingsAndTheTokenIsNeverLogged() throws Exception {
        // Durable on the change log and decided by the follower: both clients authenticated.
        given().contentType("text/plain")
                .body("v1")
                .put("/v1/cache/oci/key")
                .then()
                .statusCode(201);
        given().get("/v1/cache/oci/key").then().statusCode(200).body(equalTo("v1"));

        // For the status projector: a request, bursts of records it skips (not JSON, so its batches are quick and
        // each poll could commit at once), and a last request, all on one partition. The bursts are spread over more
        // than half a second, so that commits at most every 100 ms still make several: sent at once, on a fast
        // machine, all of them fit in the projector's first two batches.
        String first = Ulid.next();
        String last = Ulid.next();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.sendAll("courier.requests", "one-partition", List.of(request(first)));
            for (int burst = 0; burst < BURSTS; burst++) {
                List<String> skipped = new ArrayList<>();
                for (int i = 0; i < SKIPPED_PER_BURST; i++) {
                    skipped.add("not a request " + burst + "/" + i);
                }
                client.sendAll("courier.requests", "one-partition", skipped);
                Thread.sleep(BURST_SPACING.toMillis());
            }
            client.sendAll("courier.requests", "one-partition", List.of(request(last)));
        }
        awaitStatus(first);
        awaitStatus(last);

        List<Map<String, Object>> producers = ClientConfigRecorder.producers();
        assertThat(producers).extracting(producer -> producer.get("client.id")).containsExactly("courier-cache-writer");
        Map<String, Object> producer = OciStreamingRequirements.producerSettings(producers.get(0));
        assertThat(OciStreamingRequirements.mismatches(producer, OciStreamingRequirements.PRODUCER))
                .isEmpty();
        assertCredentials(producer);

        List<Map<String, Object>> consumers = ClientConfigRecorder.consumers();
        // The log follower (every partition, no group) and the status projector.
        assertThat(consumers)
                .extracting(consumer -> String.valueOf(consumer.get("group.id")))
                .containsExactlyInAnyOrder("null", "courier-cache-status");
        for (Map<String, Object> recorded : consumers) {
            Map<String, Object> consumer = OciStreamingRequirements.consumerSettings(recorded);
            assertThat(OciStreamingRequirements.mismatches(consumer, OciStreamingRequirements.CONSUMER))
                    .as("consumer of group %s", recorded.get("group.id"))
                    .isEmpty();
            assertCredentials(consumer);
        }

        // OffsetCommit: at most 10 per second per group. The batches after the first commit are committed in turn.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ClientConfigRecorder.commitTimes("courier-cache-status").size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Long> commits = ClientConfigRecorder.commitTimes("courier-cache-status");
        assertThat(commits).hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < commits.size(); i++) {
            assertThat(Duration.ofNanos(commits.get(i) - commits.get(i - 1)))
                    .as("time between commits %d and %d", i - 1, i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(100));
        }

        String log = Files.readString(OciStreamingTestProfile.LOG_FILE);
        assertThat(log)
                .contains("ProducerConfig values")
                .contains("ConsumerConfig values")
                .contains("sasl.jaas.config = [hidden]");
        assertThat(log).doesNotContain(token);
    }

    private static String request(String id) {
        return "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}";
    }

    /** Waits for the status of {@code id}: a direct producer's request, so the projector reads it as ACCEPTED. */
    private static void awaitStatus(String id) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Response status;
        while ((status = given().header(StatusResource.WAIT, "5000").get("/v1/status/" + id)).statusCode() != 200) {
            assertThat(System.nanoTime())
                    .as("status of %s projected in time", id)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(status.jsonPath().getString("status")).isEqualTo("ACCEPTED");
    }

    private void assertCredentials(Map<String, Object> settings) {
        assertThat(settings.get("bootstrap.servers")).isEqualTo(List.of(kafka.saslSslBootstrapServers()));
        PlainCredentials credentials = OciStreamingRequirements.credentials(settings);
        assertThat(credentials.username()).isEqualTo(username);
        assertThat(credentials.password()).isEqualTo(token);
    }
}
