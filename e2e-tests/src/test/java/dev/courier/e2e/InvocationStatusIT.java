package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Invocation status over accepter, listener and cache-service processes: a read model projected from the records. */
class InvocationStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess cache;
    private static ServiceProcess listener;
    private static ServiceProcess accepter;
    private static AccepterApi api;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("status-cache", kafka);
        listener = ServiceProcess.start(
                "status-listener",
                "courier.listener.app",
                Map.of("kafka.bootstrap.servers", bootstrap, "courier.listener.egress.allow-loopback", "true"));
        accepter = ServiceProcess.start(
                "status-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.accepter.cache-url",
                        cache.baseUri().toString()));
        api = new AccepterApi(accepter);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepter, listener, cache, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void statusGoesFromAcceptedThroughRetryingToSucceededWithItsAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        target.respondWith(request -> calls.incrementAndGet() == 1 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        String id = post("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/status")
                + "\"},\"correlationId\":\"conv-status\",\"retry\":{\"initialBackoffMs\":2000,\"maxAttempts\":3}}");

        List<String> seen = new ArrayList<>();
        JsonNode status = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get("/v1/invocations/" + id);
            if (response.statusCode() == 200) {
                status = JSON.readTree(response.body());
                String current = status.get("status").asText();
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(current)) {
                    seen.add(current);
                }
                if (current.equals("SUCCEEDED")) {
                    break;
                }
            }
            Thread.sleep(50);
        }

        assertThat(seen).as("statuses observed").contains("RETRYING").endsWith("SUCCEEDED");
        assertThat(List.of("ACCEPTED", "DISPATCHING", "RETRYING", "SUCCEEDED")).containsAll(seen);
        assertThat(status.get("id").asText()).isEqualTo(id);
        assertThat(status.get("attempts").asInt()).isEqualTo(2);
        assertThat(status.at("/lastResponse/status").asText()).isEqualTo("200");
        assertThat(status.get("correlationId").asText()).isEqualTo("conv-status");
        assertThat(status.hasNonNull("acceptedAt")).isTrue();
        assertThat(status.hasNonNull("updatedAt")).isTrue();
    }

    @Test
    void aDeferredInvocationIsScheduledWithItsNextAttemptTime() throws Exception {
        String id =
                post("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/later") + "\"},\"delaySeconds\":600}");

        assertThat(api.awaitStatus(id, "SCHEDULED").hasNonNull("nextAttemptAt")).isTrue();
    }

    @Test
    void aCancelledDeferredInvocationIsNeverDeliveredAndEndsCancelled() throws Exception {
        String id = post(
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/cancelled") + "\"},\"delaySeconds\":4}");
        awaitStatus(id, "SCHEDULED");

        HttpResponse<String> cancel = api.cancel(id);
        assertThat(cancel.statusCode()).isEqualTo(202);
        assertThat(awaitStatus(id, "CANCELLED").get("status").asText()).isEqualTo("CANCELLED");

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JsonNode record =
                    JSON.readTree(client.awaitOne("courier.failures", r -> id.equals(r.key()), Duration.ofSeconds(60))
                            .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Cancelled");
        }
        assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .as("the target never receives a cancelled invocation")
                .isEmpty();
    }

    @Test
    void anInvocationThatHasEndedCannotBeCancelled() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}"));
        String id = post("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/done") + "\"}}");
        awaitStatus(id, "SUCCEEDED");

        HttpResponse<String> cancel = api.cancel(id);
        assertThat(cancel.statusCode()).isEqualTo(409);
    }

    @Test
    void theSameIdempotencyKeyTwiceIsOneInvocationAndOneDelivery() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}"));
        String key = "order-" + System.nanoTime();
        String body = "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/once") + "\"}}";
        String first = post(body, key);
        String second = post(body, key);
        assertThat(second).isEqualTo(first);

        awaitStatus(first, "SUCCEEDED");
        Thread.sleep(1000); // a second delivery, if there were one, would have happened by now
        assertThat(target.received().stream().filter(r -> first.equals(r.header("Idempotency-Key"))))
                .hasSize(1);
        assertThat(post(body, "another-" + key)).isNotEqualTo(first);
    }

    @Test
    void aBinaryModeCloudEventSentTwiceIsOneInvocationAndOneDelivery() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}"));
        String eventId = "evt-" + System.nanoTime();
        String body = "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/cloudevent") + "\"},"
                + "\"body\":{\"order\":7}}";
        String first = postCloudEvent(body, eventId);
        String second = postCloudEvent(body, eventId);
        assertThat(second).as("the same source and id: the same event").isEqualTo(first);
        String another = postCloudEvent(body, eventId + "-2");
        assertThat(another).isNotEqualTo(first);

        awaitStatus(first, "SUCCEEDED");
        awaitStatus(another, "SUCCEEDED");
        Thread.sleep(1000); // a second delivery, if there were one, would have happened by now
        assertThat(target.received().stream().filter(r -> first.equals(r.header("Idempotency-Key"))))
                .singleElement()
                .satisfies(call -> {
                    assertThat(call.path()).isEqualTo("/cloudevent");
                    assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("{\"order\":7}"));
                });
    }

    private static String postCloudEvent(String body, String eventId) throws Exception {
        HttpResponse<String> accepted = HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                        .header("Content-Type", "application/json")
                        .header("ce-specversion", "1.0")
                        .header("ce-id", eventId)
                        .header("ce-source", "/orders")
                        .header("ce-type", "dev.courier.invocation")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return JSON.readTree(accepted.body()).get("id").asText();
    }

    @Test
    void anIdempotencyKeyRepeatedInTwoBatchesIsOneInvocationOneRecordAndOneDelivery() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}"));
        String key = "batch-order-" + System.nanoTime();
        String keyed = "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/batch-once")
                + "\"},\"idempotencyKey\":\"" + key + "\"}";
        String plain = "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/batch-plain") + "\"}}";

        JsonNode first = api.acceptBatch("{\"requests\":[" + keyed + "," + plain + "]}");
        JsonNode second = api.acceptBatch("{\"requests\":[" + plain + "," + keyed + "]}");

        String id = first.get("results").get(0).get("id").asText();
        assertThat(second.get("results").get(1).get("id").asText()).isEqualTo(id);
        assertThat(second.get("results").get(1).get("status").asText()).isEqualTo("ACCEPTED");
        assertThat(second.get("accepted").asInt()).isEqualTo(2);
        String laterPlain = second.get("results").get(0).get("id").asText();
        assertThat(laterPlain)
                .isNotEqualTo(first.get("results").get(1).get("id").asText());

        awaitStatus(id, "SUCCEEDED");
        awaitStatus(laterPlain, "SUCCEEDED");
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            assertThat(client.readAll("courier.requests").stream()
                            .filter(record -> KafkaTestClient.text(record).contains(key)))
                    .as("one record for the key")
                    .hasSize(1);
        }
        assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                .hasSize(1);
    }

    private static JsonNode awaitStatus(String id, String expected) throws Exception {
        return api.awaitStatus(id, expected);
    }

    @Test
    void anUnknownInvocationIs404() throws Exception {
        HttpResponse<String> response = get("/v1/invocations/01K1Q6K12C1BT01KRZJ000HKB9");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    private static String post(String body) throws Exception {
        return api.accept(body);
    }

    private static String post(String body, String idempotencyKey) throws Exception {
        return api.accept(body, idempotencyKey);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
