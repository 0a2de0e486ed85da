package dev.courier.listener.limits;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@WithTestResource(LimitedTargetsResource.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs =
                @ResourceArg(
                        name = KafkaBrokerResource.TOPICS,
                        value = "courier.requests:3,courier.results:1,courier.failures:1,courier.delay.1s:2,"
                                + "courier.delay.10s:1,courier.delay.1m:1,courier.delay.10m:1,courier.delay.1h:1"))
class TargetLimitsTest {
    private static final Logger LOG = Logger.getLogger(TargetLimitsTest.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @LimitedTargetsResource.RateLimited
    RecordingHttpServer rateLimited;

    @LimitedTargetsResource.Flaky
    RecordingHttpServer flaky;

    @Test
    void aTargetLimitedToTwentyCallsPerSecondGetsThemWithinTenPercent() {
        Set<String> ids = new HashSet<>();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (int i = 0; i < 200; i++) {
                String id = Ulid.next();
                ids.add(id);
                client.send("courier.requests", id, request(id, rateLimited.url("/limited"), ""));
            }
        }

        List<RecordedRequest> calls =
                new ArrayList<>(rateLimited.await(r -> ids.contains(r.header("Idempotency-Key")), 200, WAIT));
        calls.sort(Comparator.comparing(RecordedRequest::receivedAt));
        double seconds =
                Duration.between(calls.get(0).receivedAt(), calls.get(199).receivedAt())
                                .toMillis()
                        / 1000.0;
        double rate = 199 / seconds;
        LOG.infof("200 calls to a target limited to 20/s: %.2f calls/s over %.2f s", rate, seconds);
        assertThat(rate).isBetween(18.0, 22.0);
    }

    @Test
    void anOpenCircuitParksCallsUntilAProbeSucceeds() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        flaky.respondWith(request -> answered.incrementAndGet() <= 3 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        List<String> ids = new ArrayList<>();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                String id = Ulid.next();
                ids.add(id);
                client.send("courier.requests", id, request(id, flaky.url("/flaky"), ",\"retry\":{\"maxAttempts\":1}"));
                flaky.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
                // The breaker counts a failure when the call ends, which is before its record is written;
                // waiting for the record (not just the call) keeps the next request from racing the count.
                client.awaitOne("courier.failures", r -> id.equals(r.key()), WAIT);
            }
            // The circuit is open now: these wait instead of being called (or failing).
            for (int i = 0; i < 3; i++) {
                String id = Ulid.next();
                ids.add(id);
                client.send("courier.requests", id, request(id, flaky.url("/flaky"), ",\"retry\":{\"maxAttempts\":1}"));
            }

            List<RecordedRequest> calls = flaky.await(r -> ids.contains(r.header("Idempotency-Key")), 6, WAIT);
            calls = new ArrayList<>(calls);
            calls.sort(Comparator.comparing(RecordedRequest::receivedAt));
            Duration parked =
                    Duration.between(calls.get(2).receivedAt(), calls.get(3).receivedAt());
            assertThat(parked).as("no call while the circuit is open").isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            List<String> parkedIds = ids.subList(3, 6);
            List<ConsumerRecord<String, byte[]>> results;
            try {
                results = client.await("courier.results", r -> parkedIds.contains(r.key()), 3, WAIT);
            } catch (AssertionError e) {
                // CI once saw all six calls made and a parked request's success record missing (an answered call
                // taken for a failure, since fixed in OutboundHttp): say what became of each parked request.
                throw new AssertionError(e.getMessage() + "; " + whatHappened(client, parkedIds), e);
            }
            for (ConsumerRecord<String, byte[]> result : results) {
                assertThat(JSON.readTree(result.value()).at("/courier/attempts").asInt())
                        .as("parking is not an attempt")
                        .isEqualTo(1);
            }
        }
    }

    /** Per request: the calls the target received, and the records on the results and failures topics. */
    private String whatHappened(KafkaTestClient client, List<String> ids) {
        List<ConsumerRecord<String, byte[]>> results = client.readAll("courier.results");
        List<ConsumerRecord<String, byte[]>> failures = client.readAll("courier.failures");
        StringBuilder report = new StringBuilder();
        for (String id : ids) {
            report.append(id)
                    .append(": calls ")
                    .append(flaky.received().stream()
                            .filter(r -> id.equals(r.header("Idempotency-Key")))
                            .map(r -> r.receivedAt().toString())
                            .toList())
                    .append(", results ")
                    .append(results.stream().filter(r -> id.equals(r.key())).count())
                    .append(", failures ")
                    .append(failures.stream()
                            .filter(r -> id.equals(r.key()))
                            .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                            .toList())
                    .append("; ");
        }
        return report.toString();
    }

    private static String request(String id, String url, String extra) {
        return "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + url + "\"}" + extra + "}";
    }
}
