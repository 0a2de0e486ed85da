package dev.courier.listener.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.oci.storage.ClaimCheck;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.Precondition;
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
 * The claim check on the listener's side, with a real broker, a real local object store and real HTTP servers: a
 * stored request body is fetched for each attempt and deleted when the invocation ends; a response too large to park
 * with a callback is parked by reference.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class LargeBodyDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @Inject
    ObjectStore objects;

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
    void aStoredBodyReachesTheTargetByteForByteOnEveryAttemptAndIsDeletedOnceTheInvocationEnded() throws Exception {
        String id = Ulid.next();
        byte[] body = random(5 * 1024 * 1024);
        String reference = store("bodies/" + id, body, "binary");
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean storedDuringRetry = new AtomicBoolean();
        target.respondWith(request -> {
            if (calls.incrementAndGet() == 1) {
                return Reply.text(503, "busy");
            }
            storedDuringRetry.set(objects.head("bodies/" + id).isPresent());
            return Reply.text(200, "ok");
        });

        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/upload") + "\"},"
                        + "\"contentType\":\"application/octet-stream\",\"bodyRef\":" + reference
                        + ",\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":1500}}");

        var received = target.await(r -> id.equals(r.header("Idempotency-Key")), 2, WAIT);
        for (RecordedRequest call : received) {
            assertThat(ClaimCheck.sha256(call.body())).isEqualTo(ClaimCheck.sha256(body));
            assertThat(call.header("Content-Type")).isEqualTo("application/octet-stream");
        }
        assertThat(storedDuringRetry).as("the body is kept between attempts").isTrue();
        assertThat(recordOn("courier.results", id).at("/courier/attempts").asInt())
                .isEqualTo(2);
        awaitGone("bodies/" + id);
        // What waited in the delay tier between the attempts (1.2 to 1.8 s: the 1 s tier) was the reference, not the
        // body.
        ConsumerRecord<String, byte[]> waiting = client.awaitOne("courier.delay.1s", r -> id.equals(r.key()), WAIT);
        assertThat(waiting.value().length).isLessThan(1000);
        assertThat(JSON.readTree(waiting.value()).at("/bodyRef/object").asText())
                .isEqualTo("bodies/" + id);
    }

    @Test
    void aStoredJsonBodyIsSentAsJson() throws Exception {
        String id = Ulid.next();
        String json = "{\"items\":[\"" + "x".repeat(1_200_000) + "\"]}";
        String reference = store("bodies/" + id, json.getBytes(StandardCharsets.UTF_8), "json");

        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/json") + "\"},"
                        + "\"bodyRef\":" + reference + "}");

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.header("Content-Type")).isEqualTo("application/json");
        assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree(json));
        recordOn("courier.results", id);
        awaitGone("bodies/" + id);
    }

    @Test
    void aStoredBodyThatIsGoneEndsTheInvocationRejectedWithoutCallingTheTarget() throws Exception {
        String id = Ulid.next();
        String reference = "{\"object\":\"bodies/" + id + "\",\"sha256\":\"" + "0".repeat(64)
                + "\",\"size\":10,\"format\":\"binary\"}";

        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/x") + "\"},"
                        + "\"bodyRef\":" + reference + "}");

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("InvalidRequest");
        assertThat(record.at("/data/response/errorMessage").asText()).contains("is gone");
        assertThat(target.received()).noneMatch(r -> id.equals(r.header("Idempotency-Key")));
    }

    /**
     * A failure's record keeps its request for a replay, and the request names its stored body: the body stays (for the
     * bucket's lifecycle rule), so that the replay can send it again. A success's body is deleted (above).
     */
    @Test
    void anExpiredInvocationsStoredBodyIsKeptForItsReplay() throws Exception {
        String id = Ulid.next();
        String reference = store("bodies/" + id, random(1000), "binary");

        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/x") + "\"},"
                        + "\"bodyRef\":" + reference + ",\"expiresAt\":\""
                        + Instant.now().minusSeconds(60) + "\"}");

        JsonNode record = recordOn("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.at("/courier/request/bodyRef/object").asText()).isEqualTo("bodies/" + id);
        // A body is deleted, if at all, once the record is written and before the request's offset is committed: with
        // the offset committed, the body is still there.
        client.awaitCommitted("courier-listener", "courier.requests", WAIT);
        assertThat(objects.head("bodies/" + id)).as("the failure's stored body").isPresent();
    }

    @Test
    void aLargeResponseIsParkedByReferenceForTheCallbackRetryAndForwardedWhole() throws Exception {
        String id = Ulid.next();
        byte[] response = random(2 * 1024 * 1024);
        target.respondWith(
                request -> new Reply(200, "application/octet-stream", response, java.util.Map.of(), Duration.ZERO));
        AtomicInteger callbacks = new AtomicInteger();
        callback.respondWith(
                request -> callbacks.incrementAndGet() == 1 ? Reply.text(503, "later") : Reply.text(200, "ok"));

        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/big") + "\"},"
                        + "\"callback\":{\"url\":\"" + callback.url("/cb") + "\"},"
                        + "\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":1500}}");

        var forwarded = callback.await(r -> id.equals(r.header("Courier-Invocation-Id")), 2, WAIT);
        assertThat(ClaimCheck.sha256(forwarded.get(1).body())).isEqualTo(ClaimCheck.sha256(response));
        ConsumerRecord<String, byte[]> parked = client.awaitOne("courier.delay.1s", r -> id.equals(r.key()), WAIT);
        assertThat(parked.value().length).isLessThan(1000);
        assertThat(JSON.readTree(parked.value()).at("/outcome/bodyRef/object").asText())
                .isEqualTo("responses/" + id);
        assertThat(recordOn("courier.results", id)
                        .at("/courier/callback/status")
                        .asInt())
                .isEqualTo(200);
        awaitGone("responses/" + id);
    }

    /** Stores {@code content} as a direct producer would, and answers the bodyRef JSON that names it. */
    private String store(String name, byte[] content, String format) {
        objects.put(name, content, Precondition.ABSENT);
        return "{\"object\":\"" + name + "\",\"sha256\":\"" + ClaimCheck.sha256(content) + "\",\"size\":"
                + content.length + ",\"format\":\"" + format + "\"}";
    }

    private void awaitGone(String name) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (objects.head(name).isPresent()) {
            assertThat(System.nanoTime()).as(name + " was never deleted").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private JsonNode recordOn(String topic, String invocationId) {
        try {
            return JSON.readTree(client.awaitOne(topic, r -> invocationId.equals(r.key()), WAIT)
                    .value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
