package dev.courier.e2e;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim check over the packaged services: a 5 MB body is accepted, kept out of the Kafka record in the object
 * store the accepter and the listener share, delivered byte for byte to an HTTP target, and deleted once the
 * invocation has ended. {@link LargeBodyIT} runs it on a shared local directory, {@link LargeBodyOciIT} through the
 * Object Storage adapter.
 */
abstract class LargeBodyScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private EmbeddedKafkaBroker kafka;
    private RecordingHttpServer target;
    private ServiceProcess accepter;
    private ServiceProcess listener;

    /** The object store settings of a service, {@code courier.<service>.object-store.*} and its identity. */
    abstract Map<String, String> objectStore(String service) throws Exception;

    /** Whether the store holds an object named {@code name} now. */
    abstract boolean stored(String name) throws Exception;

    /** After the services stopped: check and close what the store needed. */
    void closeStore() throws Exception {}

    @BeforeEach
    void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures");
        target = RecordingHttpServer.start();
        Map<String, String> accepterConfig = new HashMap<>(objectStore("accepter"));
        accepterConfig.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        accepter =
                ServiceProcess.start(getClass().getSimpleName() + "-accepter", "courier.accepter.app", accepterConfig);
        Map<String, String> listenerConfig = new HashMap<>(objectStore("listener"));
        listenerConfig.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        listenerConfig.put("courier.listener.egress.allow-loopback", "true");
        listener =
                ServiceProcess.start(getClass().getSimpleName() + "-listener", "courier.listener.app", listenerConfig);
    }

    @AfterEach
    void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {listener, accepter, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
        closeStore();
    }

    @Test
    void aFiveMegabyteBodyTravelsOutOfBandArrivesByteForByteAndIsDeletedAfterwards() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(body);
        AtomicBoolean storedDuringTheCall = new AtomicBoolean();
        target.respondWith(request -> {
            try {
                storedDuringTheCall.set(stored("bodies/" + request.header("Idempotency-Key")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Reply.text(200, "received");
        });

        String id = new AccepterApi(accepter)
                .accept("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/upload") + "\",\"method\":\"PUT\"},"
                        + "\"contentType\":\"application/octet-stream\","
                        + "\"bodyBase64\":\"" + Base64.getEncoder().encodeToString(body) + "\"}");

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(sha256(call.body())).isEqualTo(sha256(body));
        assertThat(storedDuringTheCall)
                .as("the body was in the object store while it was delivered")
                .isTrue();

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            ConsumerRecord<String, byte[]> request = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
            assertThat(request.value().length).as("the request record").isLessThan(1000);
            JsonNode recorded = JSON.readTree(request.value());
            assertThat(recorded.has("bodyBase64")).isFalse();
            assertThat(recorded.at("/bodyRef/object").asText()).isEqualTo("bodies/" + id);
            assertThat(recorded.at("/bodyRef/sha256").asText()).isEqualTo(sha256(body));

            JsonNode record = JSON.readTree(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT)
                    .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        }

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (stored("bodies/" + id) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(stored("bodies/" + id))
                .as("the stored body, once the invocation ended")
                .isFalse();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
