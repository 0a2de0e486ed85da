package dev.courier.e2e;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The accepter's state at scale, over accepter and cache-service processes on a real broker: it reads its own writes,
 * Courier's own namespaces have no entry cap, and an idempotency key left pending resolves. No listener runs, so
 * every invocation stays where the accepter left it.
 */
class StateAtScaleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String DEFERRED =
            "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/later\"}," + "\"delaySeconds\":600}";

    /**
     * Keyed requests sent, as the issue asks: half as many again as cache-service's default entry cap per namespace
     * (100,000), which Courier's own namespaces must not have. They go in batches of 500, whose keys the accepter claims
     * and marks in one bulk write each, not 500.
     */
    private static final int KEYED = 150_000;

    private static final int BATCH = 500;

    private static EmbeddedKafkaBroker kafka;
    private static ServiceProcess cache;
    private static ServiceProcess accepter;
    private static AccepterApi api;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures", "courier.cache.changes");
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("scale-cache", kafka);
        accepter = ServiceProcess.start(
                "scale-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.accepter.cache-url",
                        cache.baseUri().toString(),
                        "courier.accepter.idempotency-pending-timeout",
                        "2s"));
        api = new AccepterApi(accepter);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepter, cache, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void theStatusOfAnInvocationJustAcceptedIsNever404() throws Exception {
        for (int i = 0; i < 200; i++) {
            String id = api.accept(DEFERRED);

            HttpResponse<String> status = api.status(id);

            assertThat(status.statusCode())
                    .as("GET straight after the 202 of %s (try %d)", id, i)
                    .isEqualTo(200);
            assertThat(JSON.readTree(status.body()).get("id").asText()).isEqualTo(id);
        }
    }

    @Test
    void anInvocationJustAcceptedCanBeCancelledAndReadsCancelledAtOnce() throws Exception {
        for (int i = 0; i < 200; i++) {
            String id = api.accept(DEFERRED);

            HttpResponse<String> cancel = api.cancel(id);

            assertThat(cancel.statusCode())
                    .as("DELETE straight after the 202 of %s (try %d)", id, i)
                    .isEqualTo(202);
            HttpResponse<String> status = api.status(id);
            assertThat(JSON.readTree(status.body()).get("status").asText())
                    .as("the status of %s straight after its cancellation", id)
                    .isEqualTo("CANCELLED");
        }
    }

    @Test
    void moreKeyedRequestsThanTheNamespaceCapAreAllAcceptedAndOneMoreToo() throws Exception {
        String run = Long.toString(System.nanoTime());
        int batches = KEYED / BATCH;
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> accepted = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                int batch = b;
                accepted.add(senders.submit(() -> {
                    StringBuilder requests = new StringBuilder("{\"requests\":[");
                    for (int i = 0; i < BATCH; i++) {
                        requests.append(i == 0 ? "" : ",")
                                .append("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/k\"},")
                                .append("\"idempotencyKey\":\"")
                                .append(run)
                                .append('-')
                                .append(batch)
                                .append('-')
                                .append(i)
                                .append("\"}");
                    }
                    return acceptedOf(requests.append("]}").toString());
                }));
            }
            int total = 0;
            for (Future<Integer> batch : accepted) {
                total += batch.get();
            }
            assertThat(total).as("keyed requests accepted").isEqualTo(KEYED);
        } finally {
            senders.shutdownNow();
        }

        String id = api.accept(DEFERRED, run + "-one-more");

        assertThat(api.accept(DEFERRED, run + "-one-more")).isEqualTo(id);
    }

    @Test
    void aKeyLeftPendingByAStoredRequestResolvesToThatRequest() throws Exception {
        String stored = api.accept(DEFERRED);
        String key = "left-pending-" + System.nanoTime();
        leavePending(key, stored);
        assertThat(post(key).statusCode())
                .as("a duplicate while the claim is young")
                .isEqualTo(409);

        assertThat(idOf(postOncePendingTooLong(key))).isEqualTo(stored);
        assertThat(idOf(post(key))).isEqualTo(stored);
    }

    @Test
    void aKeyLeftPendingByARequestNeverStoredIsTakenOver() throws Exception {
        String neverStored = Ulid.next();
        String key = "never-stored-" + System.nanoTime();
        leavePending(key, neverStored);

        String id = idOf(postOncePendingTooLong(key));
        assertThat(id).isNotEqualTo(neverStored);
        assertThat(api.status(id).statusCode()).isEqualTo(200);
        assertThat(idOf(post(key))).isEqualTo(id);
    }

    /**
     * The requests of {@code batch} accepted, sending it again, as the API says, while it or some of its requests are
     * answered 503 (not stored: cache-service did not take their keys in time, which a loaded machine can cause).
     */
    private static int acceptedOf(String batch) throws Exception {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> answer = HTTP.send(
                    HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations/batch"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(batch))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            boolean someNotStored = answer.statusCode() == 503
                    || (answer.statusCode() == 202
                            && JSON.readTree(answer.body()).get("failed").asInt() > 0);
            if (someNotStored && attempt < 5) {
                Thread.sleep(500L * attempt); // the same keys: what was stored is not stored twice
                continue;
            }
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            return JSON.readTree(answer.body()).get("accepted").asInt();
        }
    }

    /** What an accepter that stopped between the claim and the mark leaves in cache-service. */
    private static void leavePending(String key, String id) throws Exception {
        byte[] digest =
                MessageDigest.getInstance("SHA-256").digest(("default\n" + key).getBytes(StandardCharsets.UTF_8));
        URI entry = cache.baseUri()
                .resolve("/v1/cache/courier.idempotency/"
                        + URLEncoder.encode(HexFormat.of().formatHex(digest), StandardCharsets.UTF_8)
                        + "?ttlSeconds=86400");
        HttpResponse<String> put = HTTP.send(
                HttpRequest.newBuilder(entry)
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"state\":\"pending\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(201);
    }

    /**
     * Sends a request with {@code key} until it is no longer answered 409 (the claim is still young), up to well past
     * courier.accepter.idempotency-pending-timeout (2 s here); a 409 changes nothing, so asking again is harmless.
     */
    private static HttpResponse<String> postOncePendingTooLong(String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        HttpResponse<String> answer = post(key);
        while (answer.statusCode() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            answer = post(key);
        }
        return answer;
    }

    private static HttpResponse<String> post(String key) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString(DEFERRED))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String idOf(HttpResponse<String> accepted) throws Exception {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return JSON.readTree(accepted.body()).get("id").asText();
    }
}
