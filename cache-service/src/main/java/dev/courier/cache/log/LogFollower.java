package dev.courier.cache.log;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.snapshot.Snapshot;
import dev.courier.cache.snapshot.SnapshotStore;
import dev.courier.cache.store.CacheEntry;
import dev.courier.cache.store.CacheStore;
import dev.courier.cache.store.Decision;
import dev.courier.oci.storage.ObjectStoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Applies {@code courier.cache.changes} to the {@link CacheStore}, every partition, in order, on every instance: the
 * newest snapshot of each partition first, then the log from the snapshot's offset, then the tail as it grows.
 *
 * <p>It is also where writes learn their decided outcome ({@link #expect}), where reads wait for a write to be applied
 * here ({@link #awaitApplied}), and, on a writer, where snapshots are taken: on its own thread, between two batches,
 * so that a snapshot and its offset always agree.
 */
@ApplicationScoped
public class LogFollower implements Runnable {
    private static final Logger LOG = Logger.getLogger(LogFollower.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    private static final Duration SNAPSHOT_RETRY = Duration.ofSeconds(2);

    private final CacheStore store;
    private final SnapshotStore snapshots;
    private final CacheConfig config;
    private final Map<String, Object> kafka;
    private final Map<String, CompletableFuture<Decision>> awaiting = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final Timer replicationLag;

    private volatile AtomicLongArray applied = new AtomicLongArray(0);
    private volatile boolean ready;
    private volatile boolean running;
    private volatile Instant lastSnapshot;
    private volatile Thread thread;
    private KafkaConsumer<String, byte[]> consumer;

    public LogFollower(
            CacheStore store,
            SnapshotStore snapshots,
            CacheConfig config,
            MeterRegistry registry,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.store = store;
        this.snapshots = snapshots;
        this.config = config;
        this.kafka = kafka;
        this.replicationLag = Timer.builder("courier.cache.replication.lag")
                .description("From a change's append to its application on this instance")
                .publishPercentileHistogram()
                .register(registry);
        Gauge.builder("courier.cache.entries", store, CacheStore::entryCount)
                .description("Entries held")
                .register(registry);
        Gauge.builder("courier.cache.bytes", store, CacheStore::byteCount)
                .description("Bytes of values held")
                .register(registry);
        Gauge.builder("courier.cache.snapshot.age.seconds", this, LogFollower::snapshotAgeSeconds)
                .description("Seconds since this writer's last snapshot (-1 before the first)")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this, "courier-cache-log-follower");
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        Thread owner = thread;
        if (owner != null) {
            KafkaConsumer<String, byte[]> current = consumer;
            if (current != null) {
                current.wakeup();
            }
            owner.join(30_000);
        }
    }

    /**
     * Whether the log has been applied up to where it ended when this instance started, and is still being applied
     * (readiness).
     */
    public boolean isReady() {
        return ready && isRunning();
    }

    /**
     * Whether the thread that applies the log is alive and has not been asked to stop (liveness): if it ended on an
     * error, this instance serves ever staler reads and no write is ever decided, while its HTTP API still answers.
     */
    public boolean isRunning() {
        Thread owner = thread;
        return running && owner != null && owner.isAlive();
    }

    /** Registers a write about to be appended; the future completes with its decision once it is applied here. */
    public CompletableFuture<Decision> expect(String requestId) {
        CompletableFuture<Decision> decision = new CompletableFuture<>();
        awaiting.put(requestId, decision);
        decision.whenComplete((result, error) -> awaiting.remove(requestId));
        return decision;
    }

    /** Completes once the change at {@code partition}/{@code offset} is applied here. */
    public CompletableFuture<Void> awaitApplied(int partition, long offset) {
        Waiter waiter = new Waiter(partition, offset, new CompletableFuture<>());
        if (isApplied(partition, offset)) {
            waiter.done().complete(null);
        } else {
            waiters.add(waiter);
            if (isApplied(partition, offset)) { // applied between the check and the add
                waiter.done().complete(null);
            }
        }
        return waiter.done();
    }

    private boolean isApplied(int partition, long offset) {
        AtomicLongArray positions = applied;
        return partition >= 0 && partition < positions.length() && positions.get(partition) > offset;
    }

    @Override
    public void run() {
        try {
            follow();
        } catch (RuntimeException | Error e) {
            // What escapes the loop (an OutOfMemoryError above all) ends the thread, and liveness says so.
            if (running) {
                LOG.error(
                        "the change-log follower stopped: this instance no longer applies changes (liveness is DOWN)",
                        e);
            }
            throw e;
        }
    }

    private void follow() {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        // Every instance reads every partition itself: no group, no committed offsets; snapshots are the checkpoints.
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            Map<TopicPartition, Long> catchUp = startFromSnapshots();
            Instant lastSweep = Instant.now();
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        apply(record);
                    }
                    releaseWaiters();
                    if (!ready && caughtUp(catchUp)) {
                        ready = true;
                        LOG.infof("cache ready: %d entries after replay", store.entryCount());
                    }
                    if (config.role().writes() && ready && snapshotDue()) {
                        takeSnapshots();
                    }
                    if (Duration.between(lastSweep, Instant.now()).compareTo(SWEEP_INTERVAL) >= 0) {
                        store.sweep(Instant.now());
                        lastSweep = Instant.now();
                    }
                } catch (WakeupException e) {
                    // stop() woke us
                } catch (RuntimeException e) {
                    LOG.error("error applying the cache change log; continuing", e);
                }
            }
            if (config.role().writes() && ready) {
                takeSnapshots();
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Loads each partition's newest snapshot and positions the consumer after it; answers the end offsets. */
    private Map<TopicPartition, Long> startFromSnapshots() {
        List<TopicPartition> partitions = List.of();
        while (partitions.isEmpty() && running) {
            try {
                partitions = consumer.partitionsFor(config.changesTopic(), Duration.ofSeconds(10)).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition()))
                        .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                        .toList();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warnf("waiting for topic %s", config.changesTopic());
            }
        }
        AtomicLongArray positions = new AtomicLongArray(partitions.size());
        consumer.assign(partitions);
        for (TopicPartition partition : partitions) {
            Optional<Snapshot> snapshot = newestSnapshot(partition.partition());
            if (snapshot.isPresent()) {
                snapshot.get()
                        .entries()
                        .forEach((namespace, entries) ->
                                entries.forEach((key, entry) -> store.load(namespace, key, entry)));
                consumer.seek(partition, snapshot.get().nextOffset());
                positions.set(partition.partition(), snapshot.get().nextOffset());
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
        applied = positions;
        return consumer.endOffsets(partitions);
    }

    /**
     * The newest snapshot of {@code partition}; an object store that cannot be reached (Object Storage during an
     * outage) is asked again until it answers or the service stops: starting without the snapshot would serve a
     * state that lacks whatever the log no longer holds.
     */
    private Optional<Snapshot> newestSnapshot(int partition) {
        while (true) {
            try {
                return snapshots.latest(partition);
            } catch (ObjectStoreException e) {
                if (!running) {
                    throw e;
                }
                LOG.warnf(
                        "cannot read the snapshots of partition %d yet, asking again in %s: %s",
                        partition, SNAPSHOT_RETRY, e.getMessage());
                pause(SNAPSHOT_RETRY);
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        CacheChange change = CacheChange.from(record);
        Decision decision =
                store.apply(change, record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()));
        applied.set(record.partition(), record.offset() + 1);
        replicationLag.record(Duration.between(Instant.ofEpochMilli(record.timestamp()), Instant.now()));
        CompletableFuture<Decision> writer = change.requestId() == null ? null : awaiting.get(change.requestId());
        if (writer != null) {
            writer.complete(decision);
        }
    }

    private void releaseWaiters() {
        waiters.removeIf(waiter -> {
            if (waiter.done().isDone()) {
                return true;
            }
            if (isApplied(waiter.partition(), waiter.offset())) {
                waiter.done().complete(null);
                return true;
            }
            return false;
        });
    }

    private boolean caughtUp(Map<TopicPartition, Long> catchUp) {
        return catchUp.entrySet().stream()
                .allMatch(end -> applied.get(end.getKey().partition()) >= end.getValue());
    }

    private boolean snapshotDue() {
        return lastSnapshot == null
                || Duration.between(lastSnapshot, Instant.now())
                                .compareTo(config.snapshots().interval())
                        >= 0;
    }

    /** Snapshots every partition at its applied position (on this thread, so entries and offset agree). */
    private void takeSnapshots() {
        Instant now = Instant.now();
        AtomicLongArray positions = applied;
        for (int partition = 0; partition < positions.length(); partition++) {
            if (snapshots.holds(partition, positions.get(partition))) {
                continue; // unchanged since the snapshot saved or loaded here: nothing to copy or write
            }
            Map<String, Map<String, CacheEntry>> entries = store.entriesOf(partition);
            try {
                snapshots.save(new Snapshot(partition, positions.get(partition), now, entries));
            } catch (RuntimeException e) {
                LOG.warnf("snapshot of partition %d failed (the log still has everything): %s", partition, e);
            }
        }
        lastSnapshot = now;
    }

    private double snapshotAgeSeconds() {
        Instant last = lastSnapshot;
        return last == null ? -1 : Duration.between(last, Instant.now()).toMillis() / 1000.0;
    }

    private record Waiter(int partition, long offset, CompletableFuture<Void> done) {}
}
