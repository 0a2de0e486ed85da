package dev.courier.listener.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.courier.common.id.Ulid;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ordering keys: one call at a time per key, in acceptance order; a key whose call is retrying holds back only itself.
 * (Here without a cache-service, so the lanes live in the listener's memory; {@code OrderingKeyRestartIT} shows them
 * surviving a listener crash.)
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class OrderingKeyTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    KafkaTestClient client;
    RecordingHttpServer target;

    @BeforeEach
    void start() {
        client = new KafkaTestClient(kafka.bootstrapServers());
        target = RecordingHttpServer.start();
    }

    @AfterEach
    void stop() {
        client.close();
        target.close();
    }

    @Test
    void aRetryingKeyHoldsBackOnlyItselfAndItsRequestsArriveInOrder() throws Exception {
        String keyA = "customer-a-" + Ulid.next();
        String keyB = "customer-b-" + Ulid.next();
        List<String> a = List.of(Ulid.next(), Ulid.next(), Ulid.next());
        List<String> b = List.of(Ulid.next(), Ulid.next(), Ulid.next(), Ulid.next(), Ulid.next());
        // A's first request fails twice, then succeeds; every other call succeeds at once.
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        target.respondWith(request -> {
            String id = request.header("Idempotency-Key");
            int call = calls.computeIfAbsent(id, any -> new AtomicInteger()).incrementAndGet();
            return id.equals(a.get(0)) && call <= 2 ? Reply.json(503, "{}") : Reply.json(200, "{}");
        });

        // Interleaved, as two customers' requests would come: a0 b0 a1 b1 a2 b2 b3 b4.
        for (int i = 0; i < b.size(); i++) {
            if (i < a.size()) {
                client.send("courier.requests", keyA, request(a.get(i), keyA));
            }
            client.send("courier.requests", keyB, request(b.get(i), keyB));
        }

        // A: three attempts of the first, then one of each of the others: 5 calls.
        List<RecordedRequest> callsOfA = target.await(r -> a.contains(r.header("Idempotency-Key")), a.size() + 2, WAIT);
        List<RecordedRequest> callsOfB = target.received().stream()
                .filter(r -> b.contains(r.header("Idempotency-Key")))
                .toList();

        // A's requests arrive in order, the first one's three attempts before the second is ever called.
        assertThat(callsOfA)
                .extracting(r -> r.header("Idempotency-Key"))
                .containsExactly(a.get(0), a.get(0), a.get(0), a.get(1), a.get(2));
        // All of B arrived while A's first request was still waiting for its successful attempt.
        Instant aSucceeded = callsOfA.get(2).receivedAt();
        assertThat(callsOfB).extracting(r -> r.header("Idempotency-Key")).containsExactlyElementsOf(b);
        assertThat(callsOfB).allSatisfy(call -> assertThat(call.receivedAt()).isBefore(aSucceeded));

        for (String id : a) {
            assertThat(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT))
                    .isNotNull();
        }
    }

    @Test
    void aKeysNextRequestWaitsUntilTheOneBeforeItHasEndedEvenWhenThatOneFails() throws Exception {
        String key = "customer-c-" + Ulid.next();
        String first = Ulid.next();
        String second = Ulid.next();
        Duration slow = Duration.ofMillis(1500);
        target.respondWith(request -> first.equals(request.header("Idempotency-Key"))
                ? Reply.json(400, "{}").after(slow)
                : Reply.json(200, "{}"));

        client.send("courier.requests", key, request(first, key));
        client.send("courier.requests", key, request(second, key));

        assertThat(client.awaitOne("courier.failures", r -> first.equals(r.key()), WAIT))
                .isNotNull();
        assertThat(client.awaitOne("courier.results", r -> second.equals(r.key()), WAIT))
                .isNotNull();
        RecordedRequest firstCall = target.awaitOne(r -> first.equals(r.header("Idempotency-Key")), WAIT);
        RecordedRequest secondCall = target.awaitOne(r -> second.equals(r.header("Idempotency-Key")), WAIT);
        // The second is called only once the first has answered (its final 400), never alongside it.
        assertThat(secondCall.receivedAt())
                .isAfterOrEqualTo(firstCall.receivedAt().plus(slow));
    }

    private String request(String id, String orderingKey) {
        return "{\"id\":\"" + id + "\",\"orderingKey\":\"" + orderingKey + "\",\"target\":{\"type\":\"http\",\"url\":\""
                + target.url("/ordered") + "\"},\"retry\":{\"initialBackoffMs\":1000,\"multiplier\":2.0,"
                + "\"maxAttempts\":5}}";
    }
}
