package dev.courier.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer loop's life cycle on a real broker: what runs when, what a failure does, what liveness says. */
class ConsumerLoopTest {
    private static final String TOPIC = "loop.records";
    private static EmbeddedKafkaBroker kafka;
    private static KafkaTestClient client;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(1, TOPIC);
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        client.close();
        kafka.close();
    }

    @Test
    void readsUntilStoppedThenEndsAndClosesItsConsumer() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-reads");
        loop.begin();
        awaitTrue(() -> loop.positioned, "positioned at the end");
        client.send(TOPIC, "a", "first");
        client.send(TOPIC, "b", "second");
        awaitTrue(() -> loop.read.containsAll(List.of("first", "second")), "both records read");
        assertThat(loop.isRunning()).isTrue();
        assertThat(loop.ended).hasValue(0);

        loop.stop(Duration.ofSeconds(10));

        assertThat(loop.isRunning()).isFalse();
        // Twice only if the stop's wake-up came between two polls, which this loop's turns leave microseconds for.
        assertThat(loop.ended.get()).as("end() ran").isBetween(1, 2);
        assertThat(loop.closing).hasValue(1);
        assertThat(loop.threadAlive()).isFalse();
    }

    @Test
    void aStopBetweenPollsStillLetsEndCommit() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-commits");
        loop.workMillis = 400; // each turn works this long after its poll, without touching the consumer
        loop.commitAtEnd = true;
        loop.begin();
        awaitTrue(() -> loop.positioned, "positioned at the end");
        client.send(TOPIC, "d", "to-commit");
        awaitTrue(() -> loop.read.contains("to-commit"), "the record read");
        awaitTrue(() -> loop.working, "a turn working after its poll");

        loop.stop(Duration.ofSeconds(10)); // the wake-up finds no poll to end: it stays pending

        assertThat(loop.committedAtEnd).as("end() committed").isTrue();
        assertThat(loop.ended).as("end() ran again after the pending wake-up").hasValue(2);
    }

    @Test
    void aFailedTurnIsRecoveredAndTheLoopGoesOn() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-recovers");
        loop.failTurns.set(1);
        loop.begin();
        awaitTrue(() -> loop.recovered.get() == 1, "the failed turn recovered");
        client.send(TOPIC, "c", "after-failure");
        awaitTrue(() -> loop.read.contains("after-failure"), "a record read after the failure");
        assertThat(loop.isRunning()).isTrue();
        loop.stop(Duration.ofSeconds(10));
    }

    @Test
    void aRethrownErrorEndsTheLoopAndLivenessSaysSo() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-fails");
        loop.rethrow = true;
        loop.failTurns.set(1);
        loop.begin();
        awaitTrue(() -> !loop.isRunning(), "the loop ended");
        awaitTrue(() -> !loop.threadAlive(), "its thread ended");
        assertThat(loop.ended).as("end() is for a stopped loop").hasValue(0);
        assertThat(loop.closing).as("closing() runs however the loop ended").hasValue(1);
    }

    @Test
    void livenessNamesEveryLoopAndIsDownOnceOneHasEnded() throws Exception {
        RecordingLoop healthy = new RecordingLoop("loop-healthy");
        RecordingLoop ending = new RecordingLoop("loop-ending");
        ending.rethrow = true;
        ConsumerLoopLiveness liveness = new ConsumerLoopLiveness(List.of(healthy, ending));
        healthy.begin();
        ending.begin();
        awaitTrue(() -> healthy.positioned && ending.positioned, "both loops positioned");

        HealthCheckResponse bothRunning = liveness.call();
        assertThat(bothRunning.getName()).isEqualTo("courier-consumer-loops");
        assertThat(bothRunning.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(bothRunning.getData()).contains(Map.of("loop-healthy", true, "loop-ending", true));

        ending.failTurns.set(1);
        awaitTrue(() -> !ending.threadAlive(), "the failing loop's thread ended");

        HealthCheckResponse oneEnded = liveness.call();
        assertThat(oneEnded.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(oneEnded.getData()).contains(Map.of("loop-healthy", true, "loop-ending", false));
        healthy.stop(Duration.ofSeconds(10));
    }

    @Test
    void aFailedBeginEndsTheLoopBeforeAnyTurn() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-no-begin");
        loop.failBegin = true;
        loop.begin();
        awaitTrue(() -> !loop.isRunning(), "the loop ended");
        awaitTrue(() -> !loop.threadAlive(), "its thread ended");
        assertThat(loop.turns).hasValue(0);
        assertThat(loop.closing).hasValue(1);
    }

    @Test
    void wakeUpEndsABlockedPollAtOnce() throws Exception {
        RecordingLoop loop = new RecordingLoop("loop-wakes");
        loop.poll = Duration.ofMinutes(5);
        loop.begin();
        awaitTrue(() -> loop.turns.get() >= 1, "the first turn is polling");
        int before = loop.turns.get();
        loop.wake();
        awaitTrue(() -> loop.turns.get() > before, "a next turn after the wake-up");
        loop.stop(Duration.ofSeconds(10));
        assertThat(loop.threadAlive()).isFalse();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** A loop that reads {@link #TOPIC} from its start and records each call the life cycle made. */
    private static final class RecordingLoop extends ConsumerLoop<String, String> {
        final List<String> read = new CopyOnWriteArrayList<>();
        final AtomicInteger turns = new AtomicInteger();
        final AtomicInteger recovered = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicInteger closing = new AtomicInteger();
        final AtomicInteger failTurns = new AtomicInteger();
        volatile boolean rethrow;
        volatile boolean failBegin;
        volatile Duration poll = Duration.ofMillis(100);
        volatile boolean positioned;
        volatile long workMillis;
        volatile boolean working;
        volatile boolean commitAtEnd;
        volatile boolean committedAtEnd;
        private volatile Thread owner;

        RecordingLoop(String name) {
            super(name);
        }

        void begin() {
            startLoop();
        }

        void stop(Duration wait) throws InterruptedException {
            stopLoop(wait);
        }

        void wake() {
            wakeUp();
        }

        boolean threadAlive() {
            Thread thread = owner;
            return thread != null && thread.isAlive();
        }

        @Override
        protected KafkaConsumer<String, String> open() {
            owner = Thread.currentThread();
            Map<String, Object> props = KafkaSettings.consumer(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "loop-test"));
            return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        }

        @Override
        protected void begin(KafkaConsumer<String, String> consumer) {
            if (failBegin) {
                throw new IllegalStateException("cannot begin");
            }
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            positioned = true;
        }

        @Override
        protected void turn(KafkaConsumer<String, String> consumer) {
            turns.incrementAndGet();
            if (failTurns.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("turn failed");
            }
            for (ConsumerRecord<String, String> record : consumer.poll(poll)) {
                read.add(record.value());
            }
            if (workMillis > 0 && !read.isEmpty()) {
                working = true;
                pause(Duration.ofMillis(workMillis));
                working = false;
            }
        }

        @Override
        protected void recover(KafkaConsumer<String, String> consumer, RuntimeException error) {
            recovered.incrementAndGet();
            if (rethrow) {
                throw error;
            }
            super.recover(consumer, error);
        }

        @Override
        protected void end(KafkaConsumer<String, String> consumer) {
            ended.incrementAndGet();
            if (commitAtEnd) {
                consumer.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(0)));
                committedAtEnd = true;
            }
        }

        @Override
        protected void closing(KafkaConsumer<String, String> consumer) {
            closing.incrementAndGet();
        }
    }
}
