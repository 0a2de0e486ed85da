package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay and {@code Prefer: wait} over the packaged services: two accepter processes and a listener process with a
 * route to a real server on 127.0.0.1. A relayed call reaches the target exactly as it was made, and a caller waiting
 * on either accepter gets the target's answer, whichever partition its record lands on.
 */
class RelayAndWaitIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess listener;
    private static ServiceProcess accepterA;
    private static ServiceProcess accepterB;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures");
        target = RecordingHttpServer.start();
        target.respondWith(request -> Reply.text(201, "made " + request.path()).withHeader("X-Target", "yes"));
        String bootstrap = kafka.bootstrapServers();
        listener = ServiceProcess.start(
                "relay-listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        // Loopback stays refused; only the operator's route may reach the server on 127.0.0.1.
                        "courier.listener.routes.shop.url",
                        target.url("/shop?fixed=1"),
                        "courier.listener.routes.shop.allow-private",
                        "true"));
        accepterA = ServiceProcess.start(
                "relay-accepter-a", "courier.accepter.app", Map.of("kafka.bootstrap.servers", bootstrap));
        accepterB = ServiceProcess.start(
                "relay-accepter-b", "courier.accepter.app", Map.of("kafka.bootstrap.servers", bootstrap));
        // Each accepter follows every partition of courier.results and courier.failures (3 + 3) from its end.
        awaitFollowing(accepterA, 6);
        awaitFollowing(accepterB, 6);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepterA, accepterB, listener, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void aRelayedCallReachesTheTargetExactlyAndTheWaitingCallerGetsItsAnswer() throws Exception {
        byte[] body = "{\"quantity\":3,\"note\":\"ünïcode\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> answer = HTTP.send(
                HttpRequest.newBuilder(accepterA.baseUri().resolve("/v1/relay/shop/orders/42%20x?lang=en&tag=a&tag=b"))
                        .header("Content-Type", "application/json; charset=utf-8")
                        .header("X-Tenant", "acme")
                        .header("Courier-Correlation-Id", "relay-e2e")
                        .header("Courier-Timeout", "10")
                        .header("Prefer", "wait=30")
                        .method("PUT", HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(answer.statusCode())
                .as(new String(answer.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        String id = answer.headers().firstValue("Courier-Invocation-Id").orElseThrow();
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("made /shop/orders/42%20x");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(answer.headers().firstValue("Courier-Status")).hasValue("201");
        assertThat(answer.headers().firstValue("Courier-Condition")).hasValue("Success");
        assertThat(answer.headers().firstValue("Courier-Correlation-Id")).hasValue("relay-e2e");
        assertThat(answer.headers().firstValue("Preference-Applied")).hasValue("wait=30");
        assertThat(answer.headers().firstValue("Location")).hasValue("/v1/invocations/" + id);

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.path()).isEqualTo("/shop/orders/42%20x");
        assertThat(call.query()).isEqualTo("fixed=1&lang=en&tag=a&tag=b");
        assertThat(call.body()).isEqualTo(body);
        assertThat(call.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(call.header("X-Tenant")).isEqualTo("acme");
        assertThat(call.header("Courier-Correlation-Id")).isEqualTo("relay-e2e");
        assertThat(call.header("Courier-Attempt")).isEqualTo("1");
        // Courier's control headers and Prefer: wait are the accepter's, not the target's.
        assertThat(call.header("Courier-Timeout")).isNull();
        assertThat(call.header("Prefer")).isNull();
    }

    @Test
    void callersWaitingOnEitherAccepterAreAnsweredWhicheverPartitionTheirRecordIsOn() throws Exception {
        // With a consumer group shared by the accepters, each would read only some partitions of the records, and
        // about half of these callers would wait in vain (202 after the wait).
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ServiceProcess accepter = i % 2 == 0 ? accepterA : accepterB;
            String invocation = "{\"target\":{\"type\":\"http\",\"route\":\"shop\",\"method\":\"POST\",\"path\":\"n/"
                    + i + "\"},\"body\":{\"n\":" + i + "}}";
            answers.add(HTTP.sendAsync(
                    HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                            .header("Content-Type", "application/json")
                            .header("Prefer", "wait=30")
                            .POST(HttpRequest.BodyPublishers.ofString(invocation))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<String> answer = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(answer.statusCode())
                    .as("caller %d on accepter %s: %s", i, i % 2 == 0 ? "A" : "B", answer.body())
                    .isEqualTo(200);
            assertThat(answer.body()).isEqualTo("made /shop/n/" + i);
            assertThat(answer.headers().firstValue("Courier-Condition")).hasValue("Success");
        }
    }

    /** Waits until {@code accepter}'s {@code courier_wait_partitions} gauge says it follows {@code partitions}. */
    private static void awaitFollowing(ServiceProcess accepter, int partitions) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = accepter.metrics()
                    .lines()
                    .filter(line -> line.startsWith("courier_wait_partitions"))
                    .findFirst()
                    .orElse("");
            if (last.endsWith(" " + partitions + ".0")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                "the accepter at " + accepter.baseUri() + " does not follow " + partitions + " partitions: " + last);
    }
}
