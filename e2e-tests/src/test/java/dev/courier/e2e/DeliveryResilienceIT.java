package dev.courier.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.courier.common.id.Ulid;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener as a real process: killed with SIGKILL mid-stream, and restarted with a long deferral pending. */
class DeliveryResilienceIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String[] TIERS = {
        "courier.delay.1s", "courier.delay.10s", "courier.delay.1m", "courier.delay.10m", "courier.delay.1h"
    };

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;

    @BeforeAll
    static void startTheBrokerAndTheTarget() {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures");
        kafka.createTopics(1, TIERS);
        target = RecordingHttpServer.start();
    }

    @AfterAll
    static void stopThem() {
        target.close();
        kafka.close();
    }

    @Test
    void aListenerKilledMidStreamAndRestartedDeliversEveryInvocationAtLeastOnce() throws Exception {
        target.respondWith(request -> Reply.json(200, "{}").after(Duration.ofMillis(100)));
        List<String> ids = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String id = Ulid.next();
            ids.add(id);
            requests.add(
                    "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/crash") + "\"}}");
        }
        Set<String> expected = new HashSet<>(ids);

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            for (String request : requests) {
                client.send("courier.requests", Ulid.next(), request); // random keys: every partition
            }
        }
        ServiceProcess first = listener("listener-killed");
        target.await(r -> expected.contains(r.header("Idempotency-Key")), 600, WAIT);
        first.kill();
        int beforeRestart = countDelivered(expected).size();
        assertThat(beforeRestart).as("killed mid-stream").isLessThan(expected.size());

        try (ServiceProcess second = listener("listener-restarted")) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (countDelivered(expected).size() < expected.size() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Map<String, Integer> delivered = countDelivered(expected);
            assertThat(delivered.keySet())
                    .as("every invocation reached the target")
                    .isEqualTo(expected);
            int duplicates =
                    delivered.values().stream().mapToInt(count -> count - 1).sum();
            System.out.printf(
                    "SIGKILL test: %d distinct invocations delivered before the kill, %d in all; %d duplicate calls"
                            + " after the restart%n",
                    beforeRestart, expected.size(), duplicates);
        }
    }

    @Test
    void aOneHourDeferralIsStillPendingAfterARestartAndWaitsInKafkaNotInTheListener() throws Exception {
        String id = Ulid.next();
        try (ServiceProcess before = listener("listener-before-restart");
                KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.send(
                    "courier.requests",
                    id,
                    "{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/later")
                            + "\"},\"delaySeconds\":3600}");
            ConsumerRecord<String, byte[]> parked = client.awaitOne("courier.delay.10m", r -> id.equals(r.key()), WAIT);
            java.time.Instant next = java.time.Instant.parse(new String(
                    parked.headers().lastHeader("courier-next-attempt-at").value()));
            assertThat(next).isAfter(java.time.Instant.now().plus(Duration.ofMinutes(55)));
        }

        try (ServiceProcess after = listener("listener-after-restart")) {
            Thread.sleep(3000); // give the restarted listener every chance to (wrongly) deliver it
            assertThat(target.received().stream().filter(r -> id.equals(r.header("Idempotency-Key"))))
                    .as("not delivered early")
                    .isEmpty();
            // At least the 10m tier's partition (the committed offset below says it is that one's record that waits).
            // Not exactly one: CI once counted 2, most likely a retry the other test left in another tier, not due yet.
            assertThat(after.metrics())
                    .containsPattern("courier_delay_paused_partitions(\\{[^}]*\\})? [1-9][0-9]*\\.0");
            try (Admin admin = kafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                "courier-listener-delay")
                        .partitionsToOffsetAndMetadata()
                        .get();
                OffsetAndMetadata tier = committed.get(new TopicPartition("courier.delay.10m", 0));
                assertThat(tier == null ? 0 : tier.offset())
                        .as("the parked record is not committed past: it is still pending in Kafka")
                        .isZero();
            }
        }
    }

    private static Map<String, Integer> countDelivered(Set<String> ids) {
        Map<String, Integer> counts = new HashMap<>();
        for (RecordedRequest request : target.received()) {
            String id = request.header("Idempotency-Key");
            if (ids.contains(id)) {
                counts.merge(id, 1, Integer::sum);
            }
        }
        return counts;
    }

    private static ServiceProcess listener(String name) throws Exception {
        return ServiceProcess.start(
                name,
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        "courier.listener.egress.allow-loopback",
                        "true"));
    }
}
