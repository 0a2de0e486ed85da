package dev.courier.cache.log;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.snapshot.SnapshotStore;
import dev.courier.cache.state.ExpiryIndex;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.status.StatusStore;
import dev.courier.cache.store.CacheStore;
import dev.courier.cache.store.Decision;
import dev.courier.kafka.ConsumerLoop;
import dev.courier.kafka.KafkaSettings;
import dev.courier.oci.storage.ObjectStoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Applies {@code courier.cache.changes} to this instance's {@link StateDb}, every partition, in order, on every
 * instance: writes to the {@link CacheStore}, status changes to the {@link StatusStore}. It starts from the state on
 * disk (or, on a new instance, the newest snapshot), replays the log from the position stored with it, then follows
 * the tail as it grows.
 *
 * <p>It is also where writes learn their decided outcome ({@link #expect}), where reads wait for a write to be applied
 * here ({@link #awaitApplied}), and, on a writer, where snapshots are started: they read a frozen view of the state on
 * a thread of their own, so the log goes on being applied meanwhile.
 */
@Singleton
public class LogFollower extends ConsumerLoop<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(LogFollower.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    private static final Duration SNAPSHOT_RETRY = Duration.ofSeconds(2);
    private static final Duration SWEEP_MARGIN = Duration.ofMinutes(1);
    private static final int SWEEP_BATCH = 50_000;

    private final StateDb db;
    private final CacheStore store;
    private final StatusStore statuses;
    private final SnapshotStore snapshots;
    /** Takes snapshots off the follower's thread: a snapshot reads a frozen view while changes go on being applied. */
    private final ExecutorService snapshotter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "courier-cache-snapshot");
        thread.setDaemon(true);
        return thread;
    });

    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private final CacheConfig config;
    private final Map<String, Object> kafka;
    private final Map<String, CompletableFuture<Decision>> awaiting = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final Timer replicationLag;

    private volatile AtomicLongArray applied = new AtomicLongArray(0);
    private volatile boolean ready;
    private volatile Instant lastSnapshot;
    private volatile Instant lastSnapshotStarted;
    /** Only the loop's thread reads and writes the two below. */
    private Map<TopicPartition, Long> catchUp;

    private Instant lastSweep;

    public LogFollower(
            StateDb db,
            CacheStore store,
            StatusStore statuses,
            SnapshotStore snapshots,
            CacheConfig config,
            MeterRegistry registry,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        super("courier-cache-log-follower");
        this.db = db;
        this.store = store;
        this.statuses = statuses;
        this.snapshots = snapshots;
        this.config = config;
        this.kafka = kafka;
        this.replicationLag = Timer.builder("courier.cache.replication.lag")
                .description("From a change's append to its application on this instance")
                .publishPercentileHistogram()
                .register(registry);
        Gauge.builder("courier.cache.entries", store, CacheStore::entryCount)
                .description("Entries held by the generic cache")
                .register(registry);
        Gauge.builder("courier.cache.statuses", statuses, StatusStore::estimatedCount)
                .description("Invocation statuses held (an estimate)")
                .register(registry);
        Gauge.builder("courier.cache.bytes", store, CacheStore::byteCount)
                .description("Bytes of values held")
                .register(registry);
        Gauge.builder("courier.cache.snapshot.age.seconds", this, LogFollower::snapshotAgeSeconds)
                .description("Seconds since this writer's last snapshot (-1 before the first)")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        startLoop();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        // No bound on these waits: the state is closed once this returns, and RocksDB closed under a thread that still
        // reads or writes it crashes the process. A snapshot load stops at its next part (keepGoing); a snapshot being
        // written finishes. An orchestrator's kill meanwhile loses nothing: every batch is atomic and a snapshot counts
        // only once its manifest is written.
        stopLoop(Duration.ZERO);
        snapshotter.shutdown();
        while (!snapshotter.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.info("waiting for the snapshot being written to finish before closing the state");
        }
    }

    /**
     * Whether the log has been applied up to where it ended when this instance started, and is still being applied
     * (readiness).
     */
    public boolean isReady() {
        return ready && isRunning();
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

    /** How many partitions of the change log this instance follows; 0 until it has started reading the log. */
    public int partitionCount() {
        return applied.length();
    }

    private boolean isApplied(int partition, long offset) {
        AtomicLongArray positions = applied;
        return partition >= 0 && partition < positions.length() && positions.get(partition) > offset;
    }

    @Override
    protected KafkaConsumer<String, byte[]> open() {
        Map<String, Object> props = KafkaSettings.consumer(kafka);
        // Every instance reads every partition itself: no group, no committed offsets; snapshots are the checkpoints.
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    protected void begin(KafkaConsumer<String, byte[]> consumer) {
        catchUp = startFromState(consumer);
        lastSweep = Instant.now();
    }

    @Override
    protected void turn(KafkaConsumer<String, byte[]> consumer) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
            apply(records);
        }
        releaseWaiters();
        if (!ready && caughtUp(catchUp)) {
            ready = true;
            LOG.infof("cache ready: %d entries and about %d statuses", store.entryCount(), statuses.estimatedCount());
        }
        if (config.role().writes() && ready && snapshotDue() && snapshotting.compareAndSet(false, true)) {
            lastSnapshotStarted = Instant.now();
            snapshotter.execute(this::takeSnapshot);
        }
        if (Duration.between(lastSweep, Instant.now()).compareTo(SWEEP_INTERVAL) >= 0) {
            sweep();
            lastSweep = Instant.now();
        }
    }

    /**
     * The disk failing is nothing this loop can mend: it ends, and liveness ({@link #isRunning()}) says so. Without the
     * loop this instance would serve ever staler reads and decide no write, while its HTTP API still answered.
     */
    @Override
    protected void recover(KafkaConsumer<String, byte[]> consumer, RuntimeException error) {
        if (error instanceof StateDb.StateException) {
            throw error;
        }
        super.recover(consumer, error);
    }

    /** A writer stopping takes a last snapshot, so that the next instance replays less of the log. */
    @Override
    protected void end(KafkaConsumer<String, byte[]> consumer) {
        if (config.role().writes() && ready && snapshotting.compareAndSet(false, true)) {
            takeSnapshot();
        }
    }

    /**
     * Positions the consumer where the state on disk ends: after a restart the state is this instance's own (kept in
     * its directory, a persistent volume in production) and only the log written since is replayed; a new instance
     * (an empty state) first loads the newest snapshot. Answers the end offsets to catch up to.
     */
    private Map<TopicPartition, Long> startFromState(KafkaConsumer<String, byte[]> consumer) {
        List<TopicPartition> partitions = List.of();
        while (partitions.isEmpty() && running()) {
            try {
                partitions = consumer.partitionsFor(config.changesTopic(), Duration.ofSeconds(10)).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition()))
                        .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                        .toList();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warnf("waiting for topic %s", config.changesTopic());
            }
        }
        if (db.isEmpty()) {
            db.clear(); // what a load cut short may have left
            loadNewestSnapshot();
            store.recount();
        } else {
            LOG.infof("going on from the state on disk: %d entries", store.entryCount());
        }
        AtomicLongArray positions = new AtomicLongArray(partitions.size());
        consumer.assign(partitions);
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition partition : partitions) {
            long position = db.position(partition.partition());
            if (position > ends.get(partition) || (position >= 0 && position < begins.get(partition))) {
                // Past the log's end: the state was built from another log (the topic was recreated). Before its
                // start: the log no longer holds what the state lacks (the instance was away longer than the
                // retention). Either way replaying would serve a wrong state without a word: refuse, and say how to go
                // on.
                throw new IllegalStateException(String.format(
                        "the state in %s is at %s-%d offset %d, but the log holds offsets %d to %d: delete the"
                                + " directory to start from the newest snapshot",
                        config.state().directory(),
                        partition.topic(),
                        partition.partition(),
                        position,
                        begins.get(partition),
                        ends.get(partition)));
            }
            if (position >= 0) {
                consumer.seek(partition, position);
                positions.set(partition.partition(), position);
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
        applied = positions;
        return ends;
    }

    /**
     * Loads the newest snapshot; an object store that cannot be reached (Object Storage during an outage) is asked
     * again until it answers or the service stops: starting without the snapshot would serve a state that lacks
     * whatever the log no longer holds.
     */
    private boolean loadNewestSnapshot() {
        while (true) {
            try {
                return snapshots.loadNewest(db, this::running);
            } catch (ObjectStoreException e) {
                if (!running()) {
                    throw e;
                }
                LOG.warnf("cannot read the snapshots yet, asking again in %s: %s", SNAPSHOT_RETRY, e.getMessage());
                pause(SNAPSHOT_RETRY);
            }
        }
    }

    /**
     * Applies one polled batch in one {@link StateDb.Batch}, positions included, then tells the writers waiting for a
     * decision and the readers waiting for a status: nobody hears of a change before it is on disk.
     */
    private void apply(ConsumerRecords<String, byte[]> records) {
        List<Runnable> decided = new ArrayList<>();
        Instant now = Instant.now();
        try (StateDb.Batch batch = db.batch()) {
            for (ConsumerRecord<String, byte[]> record : records) {
                Instant at = Instant.ofEpochMilli(record.timestamp());
                try {
                    CacheChange change = CacheChange.from(record);
                    if (change.op() == CacheChange.Op.STATUS) {
                        statuses.apply(batch, change.value());
                    } else {
                        Decision decision = store.apply(batch, change, record.partition(), record.offset(), at);
                        CompletableFuture<Decision> writer =
                                change.requestId() == null ? null : awaiting.get(change.requestId());
                        if (writer != null) {
                            decided.add(() -> writer.complete(decision));
                        }
                    }
                } catch (StateDb.StateException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // Never stall the log on one change no instance can apply; every instance skips it alike.
                    LOG.errorf(
                            "skipped change %s-%d@%d that cannot be applied: %s",
                            record.topic(), record.partition(), record.offset(), e.toString());
                }
                replicationLag.record(Duration.between(at, now));
            }
            // The positions once per partition, after its last record: they commit atomically with the batch.
            for (TopicPartition partition : records.partitions()) {
                List<ConsumerRecord<String, byte[]>> ofPartition = records.records(partition);
                batch.position(
                        partition.partition(),
                        ofPartition.get(ofPartition.size() - 1).offset() + 1);
            }
            batch.commit();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            applied.set(record.partition(), record.offset() + 1);
        }
        decided.forEach(Runnable::run);
        statuses.releaseWaiters();
    }

    /** Removes what has expired, in time order, a bounded amount per sweep. */
    private void sweep() {
        // A margin behind the clock: an entry whose expiry has just passed here may still be live for a change appended
        // a moment ago (decisions judge expiry by the change's own time), and removing it would change that decision.
        Instant before = Instant.now().minus(SWEEP_MARGIN);
        List<ExpiryIndex.Expired> expired = ExpiryIndex.expiredBefore(db, before, SWEEP_BATCH);
        if (expired.isEmpty()) {
            return;
        }
        try (StateDb.Batch batch = db.batch()) {
            for (ExpiryIndex.Expired entry : expired) {
                if (entry.column() == StateDb.Column.STATUS) {
                    statuses.expire(batch, entry.key(), entry.expiresAt());
                } else {
                    store.expire(batch, entry.key(), entry.expiresAt());
                }
            }
            batch.commit();
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
        return lastSnapshotStarted == null
                || Duration.between(lastSnapshotStarted, Instant.now())
                                .compareTo(config.snapshots().interval())
                        >= 0;
    }

    /** Snapshots the state as it is now, through a frozen view (on the snapshot thread, or at shutdown). */
    private void takeSnapshot() {
        try (StateDb.View view = db.view()) {
            snapshots.save(view, applied.length());
            lastSnapshot = Instant.now();
        } catch (RuntimeException e) {
            LOG.warnf("snapshot failed (the log and the state on disk still have everything): %s", e.toString());
        } finally {
            snapshotting.set(false);
        }
    }

    private double snapshotAgeSeconds() {
        Instant last = lastSnapshot;
        return last == null ? -1 : Duration.between(last, Instant.now()).toMillis() / 1000.0;
    }

    private record Waiter(int partition, long offset, CompletableFuture<Void> done) {}
}
