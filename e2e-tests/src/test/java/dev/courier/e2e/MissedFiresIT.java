package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.courier.e2e.ScheduleCalls.fireTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Missed fires after real downtime (issue 15): the only accepter is killed (SIGKILL, as a crash) after a schedule's
 * first fire time and started again once its next two have passed by more than the misfire threshold. The new process
 * learns the schedule's last fire time from cache-service and applies its {@code missedFires}: {@code fire-once}
 * fires the latest missed fire time once and not the one before it, {@code skip} fires neither.
 *
 * <p>The schedules fire at three chosen seconds of one minute (F1, F1 + 4 s, F1 + 6 s) and never again, so that what
 * fires after the restart can only be a missed fire time, whenever the new process happens to be ready.
 */
class MissedFiresIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration MISFIRE_THRESHOLD = Duration.ofSeconds(2);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess cache;
    private static ServiceProcess listener;
    private static Map<String, String> accepterConfig;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        target.respondWith(request -> Reply.json(200, "{}"));
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("missed-fires-cache", kafka);
        listener = ServiceProcess.start(
                "missed-fires-listener",
                "courier.listener.app",
                Map.of("kafka.bootstrap.servers", bootstrap, "courier.listener.egress.allow-loopback", "true"));
        accepterConfig = new HashMap<>();
        accepterConfig.put("kafka.bootstrap.servers", bootstrap);
        accepterConfig.put("courier.accepter.cache-url", cache.baseUri().toString());
        accepterConfig.put("courier.accepter.schedules.misfire-threshold", MISFIRE_THRESHOLD.toSeconds() + "s");
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {listener, cache, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void afterDowntimeFireOnceFiresTheLatestMissedFireTimeOnceAndSkipFiresNone() throws Exception {
        ServiceProcess before = ServiceProcess.start("missed-fires-accepter-1", "courier.accepter.app", accepterConfig);
        // Three fire times within one minute, chosen once the accepter runs: F1 a few seconds ahead, F2 and F3 while
        // no accepter runs.
        Instant f1 = firstFireTime();
        Instant f2 = f1.plusSeconds(4);
        Instant f3 = f1.plusSeconds(6);
        String cron = cron(f1, f2, f3);
        String fireOnce;
        String skip;
        try {
            fireOnce = create(before, cron, "fire-once", "/missed/fire-once");
            skip = create(before, cron, "skip", "/missed/skip");
            // F1 fires and is recorded as each schedule's last fire time; then the accepter crashes, before F2.
            for (String id : List.of(fireOnce, skip)) {
                target.awaitOne(call -> f1.equals(fireTime(call, id)), WAIT);
                awaitLastFireTime(before, id, f1);
            }
            assertThat(Instant.now()).as("crashed before F2").isBefore(f2);
        } finally {
            before.kill();
        }

        // Down until F3 is older than the misfire threshold: F2 and F3 are missed, not late.
        sleepUntil(f3.plus(MISFIRE_THRESHOLD).plusSeconds(1));
        try (ServiceProcess after =
                ServiceProcess.start("missed-fires-accepter-2", "courier.accepter.app", accepterConfig)) {
            awaitMetric(after, "courier_schedule_missed_fires_total", missed -> missed >= 2);
            RecordedRequest late = target.awaitOne(call -> f3.equals(fireTime(call, fireOnce)), WAIT);
            assertThat(late.receivedAt()).as("F3 fired after the restart").isAfter(f3.plus(MISFIRE_THRESHOLD));
            awaitLastFireTime(after, fireOnce, f3);
            // Every fire the new process began is counted once none is in flight: fire-once's F3 alone. A fire of
            // skip's would be counted there even before its call reached the target.
            awaitMetric(after, "courier_schedule_fires_in_flight", inFlight -> inFlight == 0);
            assertThat(after.metricSum("courier_schedule_fires_total{outcome=\"fired\""))
                    .as("fire times the restarted accepter fired")
                    .isEqualTo(1);
        }

        assertThat(fireTimes(fireOnce))
                .as("fire-once: F1, then only the latest missed")
                .containsExactly(f1, f3);
        assertThat(fireTimes(skip)).as("skip: F1, then none of the missed").containsExactly(f1);
    }

    /** A whole second about 5 s ahead whose minute also holds the 6 s after it. */
    private static Instant firstFireTime() {
        Instant f1 = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(5);
        return f1.atZone(ZoneOffset.UTC).getSecond() > 52
                ? f1.truncatedTo(ChronoUnit.MINUTES).plusSeconds(65)
                : f1;
    }

    /** A Quartz cron (UTC) of exactly these fire times, all within one minute. */
    private static String cron(Instant... fireTimes) {
        ZonedDateTime first = fireTimes[0].atZone(ZoneOffset.UTC);
        StringBuilder seconds = new StringBuilder();
        for (Instant fireTime : fireTimes) {
            ZonedDateTime at = fireTime.atZone(ZoneOffset.UTC);
            assertThat(at.truncatedTo(ChronoUnit.MINUTES)).isEqualTo(first.truncatedTo(ChronoUnit.MINUTES));
            seconds.append(seconds.isEmpty() ? "" : ",").append(at.getSecond());
        }
        return seconds + " " + first.getMinute() + " " + first.getHour() + " " + first.getDayOfMonth() + " "
                + first.getMonthValue() + " ? " + first.getYear();
    }

    private static String create(ServiceProcess accepter, String cron, String missedFires, String path)
            throws Exception {
        HttpResponse<String> created = HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/schedules"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"cron\":\"" + cron + "\",\"timeZone\":\"UTC\","
                                + "\"missedFires\":\"" + missedFires + "\",\"request\":{\"target\":{\"type\":\"http\","
                                + "\"url\":\"" + target.url(path) + "\"}}}"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private static void awaitLastFireTime(ServiceProcess accepter, String id, Instant fireTime) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode read = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/schedules/" + id))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            read = JSON.readTree(response.body());
            if (response.statusCode() == 200
                    && read.hasNonNull("lastFireTime")
                    && Instant.parse(read.get("lastFireTime").asText()).equals(fireTime)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("schedule " + id + " never recorded " + fireTime + ": " + read);
    }

    /** Waits until the sum of {@code accepter}'s metric lines starting with {@code prefix} is as {@code wanted}. */
    private static void awaitMetric(ServiceProcess accepter, String prefix, DoublePredicate wanted) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        double value = accepter.metricSum(prefix);
        while (!wanted.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(prefix + " stayed at " + value);
            }
            Thread.sleep(100);
            value = accepter.metricSum(prefix);
        }
    }

    private static List<Instant> fireTimes(String id) {
        return target.received().stream()
                .map(call -> fireTime(call, id))
                .filter(java.util.Objects::nonNull)
                .sorted()
                .toList();
    }

    private static void sleepUntil(Instant instant) throws InterruptedException {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
