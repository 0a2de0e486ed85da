package dev.courier.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim check over the packaged services: a 5 MB body is accepted, kept out of the Kafka record in the object
 * store the accepter and the listener share (a local directory here), delivered byte for byte to an HTTP target, and
 * deleted once the invocation has ended.
 */
class LargeBodyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static Path objects;
    private static ServiceProcess accepter;
    private static ServiceProcess listener;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures");
        target = RecordingHttpServer.start();
        objects = Files.createTempDirectory("courier-large-body-it");
        accepter = ServiceProcess.start(
                "large-body-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        "courier.accepter.object-store.directory",
                        objects.toString()));
        listener = ServiceProcess.start(
                "large-body-listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        "courier.listener.object-store.directory",
                        objects.toString(),
                        "courier.listener.egress.allow-loopback",
                        "true"));
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {listener, accepter, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void aFiveMegabyteBodyTravelsOutOfBandAndArrivesByteForByte() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(body);
        String id = new AccepterApi(accepter)
                .accept("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/upload") + "\",\"method\":\"PUT\"},"
                        + "\"contentType\":\"application/octet-stream\","
                        + "\"bodyBase64\":\"" + Base64.getEncoder().encodeToString(body) + "\"}");

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(sha256(call.body())).isEqualTo(sha256(body));

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            ConsumerRecord<String, byte[]> request = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
            assertThat(request.value().length).as("the request record").isLessThan(1000);
            JsonNode stored = JSON.readTree(request.value());
            assertThat(stored.has("bodyBase64")).isFalse();
            assertThat(stored.at("/bodyRef/object").asText()).isEqualTo("bodies/" + id);
            assertThat(stored.at("/bodyRef/sha256").asText()).isEqualTo(sha256(body));

            JsonNode record = JSON.readTree(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT)
                    .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        }

        Path object = objects.resolve("bodies").resolve(id);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.exists(object) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(object).as("the stored body, once the invocation ended").doesNotExist();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
