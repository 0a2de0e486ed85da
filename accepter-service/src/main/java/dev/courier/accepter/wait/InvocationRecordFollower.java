package dev.courier.accepter.wait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.config.AssignedConsumers;
import dev.courier.kafka.ConsumerLoop;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Follows the invocation records ({@code courier.results} and {@code courier.failures}) for the callers waiting on
 * this instance ({@link InvocationWaiters}), and only while somebody waits.
 *
 * <p>Every accepter instance reads every partition itself (a consumer without a group, partitions assigned): a waiting
 * caller may be on any instance. Only records written after a caller began to wait matter, so nothing is committed and
 * nothing is read while nobody waits: then every partition is paused and the consumer sends no fetch at all. The first
 * caller to wait ({@link #reading()}) has the consumer jump to the end of every partition and resume; that caller's
 * request is published only once those positions are known, so its record is read. Reading stops again once nobody
 * has waited for {@code courier.accepter.wait.linger}.
 *
 * <p>Why not the SmallRye Kafka connector, as before: its consumer read every record of the stack while nobody waited
 * (about 0.8 of the stack's 13 CPU s per 10,000 invocations, the broker's share included; docs/benchmarks.md), and its
 * own flow control resumes every paused partition whenever its queue drains, so a pause of ours would not hold.
 *
 * <p>A record is looked at by its key alone (the listener keys records by invocation id); only one somebody waits
 * for is read further.
 */
@Singleton
public class InvocationRecordFollower extends ConsumerLoop<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(InvocationRecordFollower.class);
    /** How long a poll waits for records while reading. */
    private static final Duration POLL = Duration.ofMillis(100);
    /** While paused a poll fetches nothing; it only waits for a caller ({@link #reading()} wakes it). */
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    /** How long to wait before asking the broker again for topics that are not there yet. */
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final InvocationWaiters waiters;
    private final List<String> topics;
    private final long lingerNanos;
    private final Map<String, Object> kafka;
    private final MeterRegistry registry;

    /** Guards {@link #reading}, {@link #armed}, {@link #lastWanted}. */
    private final Object lock = new Object();
    /** Whether the partitions are resumed and positioned: a record written from now on will be read. */
    private boolean reading;
    /** Callers waiting for {@link #reading} to become true. */
    private List<CompletableFuture<Void>> armed = new ArrayList<>();
    /** When a caller last asked for {@link #reading()} ({@link System#nanoTime()}). */
    private long lastWanted;

    private volatile List<TopicPartition> partitions = List.of();
    /** Only the loop's thread reads and writes the two below. */
    private boolean missingTopicLogged;

    private KafkaClientMetrics metrics;

    public InvocationRecordFollower(
            InvocationWaiters waiters,
            AccepterConfig config,
            MeterRegistry registry,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        super("courier-accepter-wait-follower");
        this.waiters = waiters;
        this.topics = List.copyOf(config.waiting().topics());
        this.lingerNanos = config.waiting().linger().toNanos();
        this.kafka = kafka;
        this.registry = registry;
        Gauge.builder("courier.wait.partitions", this, follower -> follower.partitions.size())
                .description("Partitions of the invocation record topics this instance follows for Prefer: wait;"
                        + " 0 means waiting callers get 202")
                .register(registry);
        Gauge.builder("courier.wait.reading", this, follower -> follower.isReading() ? 1 : 0)
                .description("1 while this instance reads the invocation records (somebody waits, or did within"
                        + " courier.accepter.wait.linger), 0 while it reads nothing")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        startLoop();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopLoop(Duration.ofSeconds(10));
    }

    /**
     * Completes once every record written from now on will be read: at once while the records are being read, after a
     * look-up of each partition's end otherwise. A caller registers its waiter first, then calls this, then publishes
     * its request once this completes.
     */
    public CompletionStage<Void> reading() {
        CompletableFuture<Void> ready;
        synchronized (lock) {
            lastWanted = System.nanoTime();
            if (reading) {
                return CompletableFuture.completedFuture(null);
            }
            ready = new CompletableFuture<>();
            armed.add(ready);
            if (armed.size() > 1) {
                return ready; // the first one has woken the consumer already
            }
        }
        wakeUp(); // a paused poll waits up to IDLE_POLL otherwise
        return ready;
    }

    /** Whether the records are being read now. */
    public boolean isReading() {
        synchronized (lock) {
            return reading;
        }
    }

    /** The partitions followed now, for tests and the {@code courier.wait.partitions} gauge. */
    public List<TopicPartition> following() {
        return partitions;
    }

    @Override
    protected KafkaConsumer<String, byte[]> open() {
        // Partitions are assigned, not shared: no group, no offsets committed, a restart starts at the end again.
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(AssignedConsumers.settings(kafka, "courier-accepter-wait", "latest"));
        // The consumer's own metrics (kafka_consumer_*{client_id="courier-accepter-wait"}): its fetch count shows
        // that nothing is read while nobody waits.
        metrics = new KafkaClientMetrics(consumer);
        metrics.bindTo(registry);
        return consumer;
    }

    /** A poll that {@link #reading()} or a stop woke ends without records: the next turn looks at why. */
    @Override
    protected void turn(KafkaConsumer<String, byte[]> owned) {
        if (partitions.isEmpty()) {
            assign(owned);
            return;
        }
        armIfWanted(owned);
        ConsumerRecords<String, byte[]> records = owned.poll(isReading() ? POLL : IDLE_POLL);
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.key() != null && record.value() != null) {
                waiters.completed(record.key(), record.value());
            }
        }
        pauseIfUnwanted(owned);
    }

    /** Assigns every partition of the record topics, paused; retried until the topics exist. */
    private void assign(KafkaConsumer<String, byte[]> owned) {
        List<TopicPartition> found = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = owned.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                if (!missingTopicLogged) { // once, not at every retry
                    LOG.warnf("topic %s not found; callers asking to wait get 202 until it is", topic);
                    missingTopicLogged = true;
                }
                pause(RETRY);
                return;
            }
            infos.forEach(info -> found.add(new TopicPartition(info.topic(), info.partition())));
        }
        found.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        owned.assign(found);
        owned.pause(found);
        partitions = List.copyOf(found);
        LOG.infof("following %d partition(s) of the invocation records for Prefer: wait", found.size());
    }

    /**
     * When a caller asked for {@link #reading()} while paused: every partition to its end (positions looked up now,
     * not at the next fetch), resumed, and the callers told.
     */
    private void armIfWanted(KafkaConsumer<String, byte[]> owned) {
        synchronized (lock) {
            if (armed.isEmpty()) {
                return;
            }
        }
        owned.seekToEnd(partitions);
        for (TopicPartition partition : partitions) {
            owned.position(partition);
        }
        owned.resume(partitions);
        List<CompletableFuture<Void>> told;
        synchronized (lock) {
            reading = true;
            told = armed;
            armed = new ArrayList<>();
        }
        told.forEach(ready -> ready.complete(null));
    }

    /** Stops reading once nobody waits and nobody has asked for {@link #reading()} within the linger. */
    private void pauseIfUnwanted(KafkaConsumer<String, byte[]> owned) {
        synchronized (lock) {
            // Under the lock: a caller that registered a waiter and then asked for reading() either finds reading
            // still true (and the waiter counted here), or finds it false and arms it again.
            if (reading && armed.isEmpty() && waiters.size() == 0 && System.nanoTime() - lastWanted > lingerNanos) {
                owned.pause(partitions);
                reading = false;
            }
        }
    }

    /** However the loop ended: callers still waiting for {@link #reading()} are told it will not come. */
    @Override
    protected void closing(KafkaConsumer<String, byte[]> owned) {
        List<CompletableFuture<Void>> told;
        synchronized (lock) {
            told = armed;
            armed = new ArrayList<>();
        }
        told.forEach(ready -> ready.completeExceptionally(new IllegalStateException("stopping")));
        metrics.close();
    }
}
