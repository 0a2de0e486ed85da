package dev.courier.listener.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.courier.common.id.Ulid;
import dev.courier.testing.http.RecordingHttpServer;
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

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The listener's SPEC section 9 metrics that are computed rather than counted on the way (consumer lag, delay-tier
 * backlog, accepted → first attempt latency, retries), read from {@code /q/metrics} as Prometheus would, while real
 * records flow through a real broker to real HTTP servers. Counters are compared before and after: other tests of the
 * same application move them too. Also the liveness check that covers the listener's consumer loops.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class ListenerMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RETRIES_TARGET = "courier_retries_total{kind=\"target\"}";
    private static final String RETRIES_CALLBACK = "courier_retries_total{kind=\"callback\"}";
    private static final String FIRST_ATTEMPTS = "courier_first_attempt_latency_seconds_count{target_type=\"http\"}";
    private static final String REQUESTS_LAG =
            "courier_consumer_lag_records{group=\"courier-listener\",topic=\"courier.requests\"}";

    @InjectKafkaBroker
    TestKafkaBroker kafka;

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
    void livenessNamesEveryConsumerLoopOfTheListener() {
        given().get("/q/health/live")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body(
                        "checks.find { it.name == 'courier-consumer-loops' }.data",
                        equalTo(Map.of(
                                "courier-request-consumer", true,
                                "courier-delay-tier-consumer", true,
                                "courier-cache-follower", true)));
    }

    @Test
    void aRetriedCallAndARetriedCallbackAreCountedAndTheFirstAttemptIsTimed() throws Exception {
        String before = metrics();
        // The first call and the first callback fail retryably; the second of each succeeds.
        AtomicInteger calls = new AtomicInteger();
        target.respondWith(request -> calls.incrementAndGet() == 1 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        AtomicInteger callbacks = new AtomicInteger();
        callback.respondWith(
                request -> callbacks.incrementAndGet() == 1 ? Reply.json(503, "{}") : Reply.json(200, "{}"));
        String id = Ulid.next();
        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/flaky") + "\"},"
                        + "\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":200},"
                        + "\"callback\":{\"url\":\"" + callback.url("/cb") + "\"}}");

        client.awaitOne("courier.results", record -> id.equals(record.key()), WAIT);
        String after = metrics();
        // At least: a record another test left behind may be retried or tried first meanwhile.
        assertThat(value(after, RETRIES_TARGET) - value(before, RETRIES_TARGET)).isGreaterThanOrEqualTo(1);
        assertThat(value(after, RETRIES_CALLBACK) - value(before, RETRIES_CALLBACK))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, FIRST_ATTEMPTS) - value(before, FIRST_ATTEMPTS)).isGreaterThanOrEqualTo(1);
        assertThat(after)
                .contains("courier_first_attempt_latency_seconds_bucket{target_type=\"http\",le=\"0.01\"}")
                .contains("courier_first_attempt_latency_seconds_bucket{target_type=\"http\",le=\"3600.0\"}")
                .contains("courier_first_attempt_latency_seconds_sum{target_type=\"http\"}");
    }

    @Test
    void aDeferredInvocationIsBacklogAndLagOfItsTierUntilDueAndTheRequestsTopicCatchesUp() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}"));
        // Two hours away: it waits in the 1h tier (the longest not longer than its wait) for the rest of this run.
        String deferred = Ulid.next();
        client.send(
                "courier.requests",
                deferred,
                "{\"id\":\"" + deferred + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/later")
                        + "\"},\"delaySeconds\":7200}");
        for (int i = 0; i < 5; i++) {
            String id = Ulid.next();
            client.send(
                    "courier.requests",
                    id,
                    "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/now") + "\"}}");
        }
        target.await(request -> request.path().equals("/now"), 5, WAIT);

        String metrics = awaitMetrics(text -> value(text, "courier_delay_backlog_records{tier=\"1h\"}") >= 1
                && value(
                                text,
                                "courier_consumer_lag_records{group=\"courier-listener-delay\","
                                        + "topic=\"courier.delay.1h\"}")
                        >= 1
                && value(text, REQUESTS_LAG) == 0);
        // Every tier and the requests topic have their series, whatever their value.
        assertThat(metrics).contains(REQUESTS_LAG + " ");
        for (String tier : List.of("1s", "10s", "1m", "10m", "1h")) {
            assertThat(metrics)
                    .contains("courier_delay_backlog_records{tier=\"" + tier + "\"}")
                    .contains("courier_consumer_lag_records{group=\"courier-listener-delay\",topic=\"courier.delay."
                            + tier + "\"}");
        }
        assertThat(target.received()).noneMatch(request -> request.path().equals("/later"));
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** Scrapes until {@code condition} holds: the gauges are measured every few seconds. */
    private static String awaitMetrics(java.util.function.Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String text = metrics();
        while (!condition.test(text)) {
            assertThat(System.nanoTime())
                    .as("metrics never matched; last scrape:%n%s", text)
                    .isLessThan(deadline);
            Thread.sleep(250);
            text = metrics();
        }
        return text;
    }

    /** The value of the series {@code series} (name and labels, exactly as exposed), 0 when absent. */
    private static double value(String metrics, String series) {
        Matcher matcher =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }
}
