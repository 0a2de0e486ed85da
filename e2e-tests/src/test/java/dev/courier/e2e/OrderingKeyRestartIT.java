package dev.courier.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ordering key's lane outlives a listener crash: the first request of the key is waiting for its retry and the
 * second is waiting behind it when the listener is killed; the restarted listener still calls the first (again)
 * before it ever calls the second. A request the kill redelivers may be called once more (at least once, the same
 * {@code Idempotency-Key}); the order holds all the same.
 */
class OrderingKeyRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void aKeysSecondRequestStillWaitsForItsFirstAfterAListenerCrash() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start();
                RecordingHttpServer target = RecordingHttpServer.start()) {
            CourierStack.createTopics(kafka);
            String bootstrap = kafka.bootstrapServers();
            AtomicInteger calls = new AtomicInteger();
            // The very first call (the first request's, if the key is honoured) asks for a retry in 8 s: long enough
            // to kill and restart the listener while both requests wait.
            target.respondWith(request -> calls.incrementAndGet() == 1
                    ? Reply.json(503, "{}").withHeader("Retry-After", "8")
                    : Reply.json(200, "{}"));
            try (ServiceProcess cache = CourierStack.startCache("ordering-cache", kafka);
                    ServiceProcess accepter = ServiceProcess.start(
                            "ordering-accepter",
                            "courier.accepter.app",
                            Map.of(
                                    "kafka.bootstrap.servers",
                                    bootstrap,
                                    "courier.accepter.cache-url",
                                    cache.baseUri().toString()))) {
                Map<String, String> listenerConfig = Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.listener.egress.allow-loopback",
                        "true",
                        "courier.listener.cache-url",
                        cache.baseUri().toString());
                AccepterApi api = new AccepterApi(accepter);
                String body = "{\"orderingKey\":\"customer-42\",\"target\":{\"type\":\"http\",\"url\":\""
                        + target.url("/ordered") + "\"}}";
                String first;
                String second;
                ServiceProcess listener =
                        ServiceProcess.start("ordering-listener-first", "courier.listener.app", listenerConfig);
                try {
                    first = api.accept(body);
                    second = api.accept(body);
                    api.awaitStatus(first, "RETRYING");
                    api.awaitStatus(second, "SCHEDULED"); // waiting behind the first, in a delay tier
                    // Both requests' first steps are committed: the kill finds the first only in its delay tier.
                    try (KafkaTestClient client = new KafkaTestClient(bootstrap)) {
                        client.awaitCommitted("courier-listener", "courier.requests", WAIT);
                    }
                } finally {
                    listener.kill();
                }

                try (ServiceProcess restarted = ServiceProcess.start(
                                "ordering-listener-second", "courier.listener.app", listenerConfig);
                        KafkaTestClient client = new KafkaTestClient(bootstrap)) {
                    client.awaitOne("courier.results", r -> second.equals(r.key()), WAIT);
                    client.awaitOne("courier.results", r -> first.equals(r.key()), WAIT);
                }
                List<String> called = target.received().stream()
                        .map(r -> r.header("Idempotency-Key"))
                        .toList();
                // Every call of the first request comes before any call of the second. A kill can land between a step
                // and its offset commit (at most 100 ms), and both requests go round the 1 s delay tier while they
                // wait, each round a new record and a commit: what a kill redelivers is called again with the same
                // Idempotency-Key. Delivery is at least once, so either request may be called once more than asked,
                // but the second never before the first has finished.
                int lastOfFirst = called.lastIndexOf(first);
                int firstOfSecond = called.indexOf(second);
                assertThat(called).as("calls in order: %s", called).containsOnly(first, second);
                assertThat(called.stream().filter(first::equals).count())
                        .as("the first request's failed call and its retry: %s", called)
                        .isGreaterThanOrEqualTo(2);
                assertThat(firstOfSecond).as("calls in order: %s", called).isGreaterThan(lastOfFirst);
                RecordedRequest retried = target.received().get(lastOfFirst);
                RecordedRequest followed = target.received().get(firstOfSecond);
                assertThat(followed.receivedAt()).isAfterOrEqualTo(retried.receivedAt());
            }
        }
    }
}
