package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.courier.e2e.ScheduleCalls.fireTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cron schedules over the packaged services: two accepter processes (both firing every schedule), cache-service, a
 * listener and a real target on 127.0.0.1. A schedule every two seconds enqueues exactly one invocation per fire time
 * while both replicas fire it, each reaches the target once, and after DELETE (on the other replica) nothing more fires:
 * checked once both replicas have let go of the schedule ({@code courier_schedules} 0, no fire in flight), not after a
 * fixed pause.
 */
class SchedulesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static ServiceProcess cache;
    private static ServiceProcess listener;
    private static ServiceProcess accepterA;
    private static ServiceProcess accepterB;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        CourierStack.createTopics(kafka);
        target = RecordingHttpServer.start();
        target.respondWith(request -> Reply.json(200, "{}"));
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("schedules-cache", kafka);
        listener = ServiceProcess.start(
                "schedules-listener",
                "courier.listener.app",
                Map.of("kafka.bootstrap.servers", bootstrap, "courier.listener.egress.allow-loopback", "true"));
        // Both replicas learn of the other's schedules within a second, so that both fire (nearly) every fire time.
        Map<String, String> accepter = Map.of(
                "kafka.bootstrap.servers",
                bootstrap,
                "courier.accepter.cache-url",
                cache.baseUri().toString(),
                "courier.accepter.schedules.refresh",
                "1s");
        accepterA = ServiceProcess.start("schedules-accepter-a", "courier.accepter.app", accepter);
        accepterB = ServiceProcess.start("schedules-accepter-b", "courier.accepter.app", accepter);
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepterA, accepterB, listener, cache, target, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void everyTwoSecondsWithTwoReplicasFiresOncePerFireTimeAndNoMoreAfterDelete() throws Exception {
        // The counters are the replicas' own since they started: what other tests fired comes off.
        double firedEarlier = fires(accepterA, "fired") + fires(accepterB, "fired");
        double duplicatesEarlier = fires(accepterA, "duplicate") + fires(accepterB, "duplicate");
        HttpResponse<String> created = send(
                accepterA,
                HttpRequest.newBuilder()
                        .uri(accepterA.baseUri().resolve("/v1/schedules"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"cron\":\"*/2 * * * * ?\",\"timeZone\":"
                                + "\"Europe/Paris\",\"description\":\"e2e tick\",\"request\":{\"target\":{\"type\":"
                                + "\"http\",\"url\":\"" + target.url("/tick") + "\"},\"body\":{\"tick\":true}}}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode schedule = JSON.readTree(created.body());
        String id = schedule.get("id").asText();
        Instant createdAt = Instant.parse(schedule.get("createdAt").asText());
        assertThat(created.headers().firstValue("Location")).hasValue("/v1/schedules/" + id);
        assertThat(schedule.get("cron").asText()).isEqualTo("*/2 * * * * ?");
        assertThat(schedule.get("timeZone").asText()).isEqualTo("Europe/Paris");
        assertThat(schedule.get("missedFires").asText()).isEqualTo("fire-once");
        assertThat(schedule.at("/request/target/url").asText()).isEqualTo(target.url("/tick"));
        Instant firstFire = Instant.parse(schedule.get("nextFireTime").asText());
        assertThat(firstFire).isAfter(createdAt);
        assertThat(firstFire.getEpochSecond() % 2).isZero();

        // The other replica reads the same schedule: it is stored in cache-service, not in the accepter that took it.
        JsonNode onB = JSON.readTree(get(accepterB, "/v1/schedules/" + id).body());
        assertThat(onB.get("id").asText()).isEqualTo(id);
        assertThat(onB.get("description").asText()).isEqualTo("e2e tick");
        assertThat(JSON.readTree(get(accepterB, "/v1/schedules").body())
                        .get("schedules")
                        .findValuesAsText("id"))
                .contains(id);

        // Let it fire for about ten seconds, with both replicas firing every fire time.
        Instant windowEnd = firstFire.plusSeconds(10);
        target.awaitOne(
                call -> fireTime(call, id) != null && !fireTime(call, id).isBefore(windowEnd), WAIT);

        // The fire count is written after the invocation is stored, so it may follow the call by a moment.
        JsonNode beforeDelete =
                awaitSchedule(accepterA, id, read -> read.get("fireCount").asInt() >= 6 && read.has("lastFireTime"));
        assertThat(Instant.parse(beforeDelete.get("lastFireTime").asText())).isAfterOrEqualTo(windowEnd);
        assertThat(beforeDelete.get("lastInvocationId").asText()).hasSize(26);

        HttpResponse<String> deleted = send(
                accepterB,
                HttpRequest.newBuilder()
                        .uri(accepterB.baseUri().resolve("/v1/schedules/" + id))
                        .DELETE());
        Instant deletedAt = Instant.now();
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(get(accepterA, "/v1/schedules/" + id).statusCode()).isEqualTo(404);
        assertThat(get(accepterB, "/v1/schedules/" + id).statusCode()).isEqualTo(404);

        // Not a fixed pause but what settles it: the first fire time after the DELETE has come and a tick (1 s) has
        // gone by, so a replica that would still fire the schedule has begun to; then each replica knows of no
        // schedule and has no fire in flight (read in that order: a fire begun after the DELETE finds the schedule
        // gone), so every fire there will ever be is counted; then every fire a replica counted as its own has
        // reached the target.
        Instant nextFireAfterDelete = Instant.ofEpochSecond(deletedAt.getEpochSecond() / 2 * 2 + 2);
        while (Instant.now().isBefore(nextFireAfterDelete.plusSeconds(1))) {
            Thread.sleep(50);
        }
        long quietBy = System.nanoTime() + WAIT.toNanos();
        while (!(gauge(accepterA, "courier_schedules") == 0
                && gauge(accepterA, "courier_schedule_fires_in_flight") == 0
                && gauge(accepterB, "courier_schedules") == 0
                && gauge(accepterB, "courier_schedule_fires_in_flight") == 0)) {
            assertThat(System.nanoTime())
                    .as("both replicas let go of the deleted schedule")
                    .isLessThan(quietBy);
            Thread.sleep(50);
        }
        double firedByTheReplicas = fires(accepterA, "fired") + fires(accepterB, "fired") - firedEarlier;
        List<RecordedRequest> calls = awaitCalls(id, firedByTheReplicas);
        Map<Instant, List<RecordedRequest>> byFireTime = calls.stream()
                .collect(Collectors.groupingBy(call -> fireTime(call, id), TreeMap::new, Collectors.toList()));

        assertThat(byFireTime.values()).as("calls per fire time").allSatisfy(perFireTime -> assertThat(perFireTime)
                .hasSize(1));
        assertThat(byFireTime.keySet())
                .as("nothing fires after the DELETE was answered")
                .allSatisfy(fireTime -> assertThat(fireTime).isBeforeOrEqualTo(deletedAt));
        // Every even second from the first fire time up to the DELETE fired, but the one or two the DELETE overtook.
        TreeSet<Instant> expected = new TreeSet<>();
        for (Instant fire = firstFire; !fire.isAfter(deletedAt); fire = fire.plusSeconds(2)) {
            expected.add(fire);
        }
        assertThat(expected).containsAll(byFireTime.keySet());
        assertThat(byFireTime.keySet()).containsAll(expected.headSet(windowEnd, true));
        assertThat(byFireTime.size()).isBetween(expected.size() - 1, expected.size());
        assertThat(calls.stream().map(call -> call.header("Idempotency-Key")).distinct())
                .as("one invocation per fire time")
                .hasSize(calls.size());
        assertThat(calls).allSatisfy(call -> assertThat(call.bodyText()).isEqualTo("{\"tick\":true}"));

        // Both replicas fired: each fire time the one enqueued, the other found as a duplicate.
        assertThat(firedByTheReplicas).isEqualTo(byFireTime.size());
        assertThat(fires(accepterA, "fired") + fires(accepterB, "fired") - firedEarlier)
                .as("nothing fired once both were quiet")
                .isEqualTo(firedByTheReplicas);
        assertThat(fires(accepterA, "duplicate") + fires(accepterB, "duplicate") - duplicatesEarlier)
                .as("fire times that the second replica found enqueued already")
                .isGreaterThan(0);

        // On the topic too: one request per fire time, however many replicas fired it.
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            List<String> fired = client.readAll("courier.requests").stream()
                    .map(SchedulesIT::correlationId)
                    .filter(correlation -> correlation.startsWith("schedule:" + id + ":"))
                    .toList();
            assertThat(fired).doesNotHaveDuplicates().hasSize(byFireTime.size());
        }
    }

    @Test
    void anUpdateOnOneReplicaAppliesFromItsOwnTimeOnBothOncePerFireTime() throws Exception {
        String run = Long.toString(System.nanoTime());
        HttpResponse<String> created = send(
                accepterA,
                HttpRequest.newBuilder()
                        .uri(accepterA.baseUri().resolve("/v1/schedules"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(definition("*/2 * * * * ?", "/before-" + run))));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asText();
        Instant createdAt =
                Instant.parse(JSON.readTree(created.body()).get("createdAt").asText());
        target.awaitOne(call -> call.path().equals("/before-" + run), WAIT);
        awaitSchedule(accepterB, id, read -> read.get("fireCount").asInt() >= 1);

        // Updated on the other replica: every 3 s, another target.
        HttpResponse<String> updated = send(
                accepterB,
                HttpRequest.newBuilder()
                        .uri(accepterB.baseUri().resolve("/v1/schedules/" + id))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(definition("*/3 * * * * ?", "/after-" + run))));
        Instant answeredAt = Instant.now();
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        JsonNode view = JSON.readTree(updated.body());
        Instant updatedAt = Instant.parse(view.get("updatedAt").asText());
        assertThat(view.get("id").asText()).isEqualTo(id);
        assertThat(view.get("cron").asText()).isEqualTo("*/3 * * * * ?");
        assertThat(view.at("/request/target/url").asText()).isEqualTo(target.url("/after-" + run));
        assertThat(Instant.parse(view.get("createdAt").asText())).isEqualTo(createdAt);
        assertThat(view.get("fireCount").asInt()).as("the fire history stays").isGreaterThanOrEqualTo(1);
        assertThat(Instant.parse(view.get("nextFireTime").asText()).getEpochSecond() % 3)
                .isZero();

        // Three fire times of the new definition, each called once although both replicas fire it.
        List<RecordedRequest> after = target.await(call -> call.path().equals("/after-" + run), 3, WAIT);
        HttpResponse<String> deleted = send(
                accepterA,
                HttpRequest.newBuilder()
                        .uri(accepterA.baseUri().resolve("/v1/schedules/" + id))
                        .DELETE());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(after).allSatisfy(call -> {
            Instant fireTime = fireTime(call, id);
            assertThat(fireTime).isAfter(updatedAt);
            assertThat(fireTime.getEpochSecond() % 3).isZero();
        });
        // The calls that came in by now, of either definition: one per fire time; the old definition's none after the
        // update was answered (a fire time due while it was being written may still have been the old one's).
        List<RecordedRequest> calls = target.received().stream()
                .filter(call -> fireTime(call, id) != null)
                .toList();
        assertThat(calls.stream().map(call -> fireTime(call, id)))
                .as("one call per fire time")
                .doesNotHaveDuplicates();
        assertThat(calls)
                .filteredOn(call -> call.path().equals("/before-" + run))
                .allSatisfy(call -> assertThat(fireTime(call, id)).isBeforeOrEqualTo(answeredAt));
        assertThat(calls)
                .filteredOn(call -> call.path().equals("/after-" + run))
                .allSatisfy(call -> assertThat(fireTime(call, id)).isAfter(updatedAt));

        // Another id, and an id no schedule has: 404 as for a GET.
        HttpResponse<String> unknown = send(
                accepterA,
                HttpRequest.newBuilder()
                        .uri(accepterA.baseUri().resolve("/v1/schedules/01KAB0000000000000000000AA"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(definition("*/3 * * * * ?", "/x"))));
        assertThat(unknown.statusCode()).isEqualTo(404);
        // Both replicas let go of it before the next test counts what they know of.
        long quietBy = System.nanoTime() + WAIT.toNanos();
        while (gauge(accepterA, "courier_schedules") + gauge(accepterB, "courier_schedules") > 0) {
            assertThat(System.nanoTime()).as("both replicas let go of it").isLessThan(quietBy);
            Thread.sleep(50);
        }
    }

    private static String definition(String cron, String path) {
        return "{\"cron\":\"" + cron + "\",\"request\":{\"target\":{\"type\":\"http\",\"url\":\"" + target.url(path)
                + "\"}}}";
    }

    private static JsonNode awaitSchedule(ServiceProcess accepter, String id, Predicate<JsonNode> condition)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode read = null;
        while (System.nanoTime() < deadline) {
            read = JSON.readTree(get(accepter, "/v1/schedules/" + id).body());
            if (condition.test(read)) {
                return read;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("schedule " + id + " never got there: " + read);
    }

    /**
     * The calls of schedule {@code id} the target received, once it received one per fire time for {@code fired} fire
     * times; after {@link #WAIT}, what it has.
     */
    private static List<RecordedRequest> awaitCalls(String id, double fired) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<RecordedRequest> calls = target.received().stream()
                    .filter(call -> fireTime(call, id) != null)
                    .toList();
            long fireTimes =
                    calls.stream().map(call -> fireTime(call, id)).distinct().count();
            if (fireTimes >= fired || System.nanoTime() > deadline) {
                return calls;
            }
            Thread.sleep(50);
        }
    }

    /** The value of gauge {@code name} (no labels) on {@code accepter}. */
    private static double gauge(ServiceProcess accepter, String name) throws Exception {
        return get(accepter, "/q/metrics")
                .body()
                .lines()
                .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not among the metrics of " + accepter));
    }

    /** {@code courier_schedule_fires_total} of {@code outcome} on {@code accepter}. */
    private static double fires(ServiceProcess accepter, String outcome) throws Exception {
        return accepter.metricSum("courier_schedule_fires_total{outcome=\"" + outcome + "\"");
    }

    private static String correlationId(ConsumerRecord<String, byte[]> record) {
        try {
            JsonNode request = JSON.readTree(record.value());
            return request.path("correlationId").asText("");
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static HttpResponse<String> get(ServiceProcess accepter, String path) throws Exception {
        return send(
                accepter,
                HttpRequest.newBuilder(accepter.baseUri().resolve(path)).GET());
    }

    private static HttpResponse<String> send(ServiceProcess accepter, HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
