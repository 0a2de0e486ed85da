package dev.courier.listener.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.courier.kafka.ConsumerLoop;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.consume.PartitionProgress;
import dev.courier.listener.kafka.ConsumerLag;
import dev.courier.listener.kafka.ListenerKafka;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Releases records from the delay tiers when they are due. A tier partition whose head is not due yet is paused and
 * its position set back to that head, so the listener holds no waiting record in memory: only, per paused partition,
 * the instant to resume it. The waiting itself is Kafka's.
 *
 * <p>A record leaves its tier at the earlier of its own next-attempt time and its tier's delay after it was written;
 * {@link DelayScheduler#forward} then sends it back to the requests topic if it is due, or on to the next tier. Its
 * offset is committed only once that forward is acknowledged.
 */
@Singleton
public class DelayTierConsumer extends ConsumerLoop<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(DelayTierConsumer.class);
    private static final Duration MAX_POLL = Duration.ofMillis(200);

    private final ListenerKafka kafka;
    private final DelayTiers tiers;
    private final DelayScheduler scheduler;
    private final ListenerConfig config;
    private final ConcurrentLinkedQueue<Forwarded> forwarded = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConsumerLag lag;

    // Owned by the consumer thread.
    private final Map<TopicPartition, Instant> resumeAt = new HashMap<>();
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private KafkaConsumer<String, byte[]> consumer;
    private long lastCommitNanos;

    public DelayTierConsumer(
            ListenerKafka kafka,
            DelayTiers tiers,
            DelayScheduler scheduler,
            ListenerConfig config,
            MeterRegistry registry) {
        super("courier-delay-tier-consumer");
        this.kafka = kafka;
        this.tiers = tiers;
        this.scheduler = scheduler;
        this.config = config;
        Gauge.builder("courier.delay.paused.partitions", resumeAt, Map::size)
                .description("Delay-tier partitions waiting for their head to become due")
                .register(registry);
        this.lag = new ConsumerLag(registry, config.delay().groupId(), tiers.topics());
        // A tier's backlog is its group's lag there: every record not yet forwarded, waiting or due.
        for (String topic : tiers.topics()) {
            String tier = DelayTier.label(tiers.byTopic(topic).orElseThrow().delay());
            ConsumerLag.registerGauge(
                    registry,
                    "courier.delay.backlog.records",
                    "Records waiting in a delay tier, on the partitions assigned here",
                    Tags.of("tier", tier),
                    () -> lag.of(topic));
        }
    }

    void start(@Observes StartupEvent event) {
        startLoop();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopLoop(config.shutdownGrace().plusSeconds(10));
    }

    @Override
    protected KafkaConsumer<String, byte[]> open() {
        consumer = kafka.consumer(config.delay().groupId(), 500);
        return consumer;
    }

    @Override
    protected void begin(KafkaConsumer<String, byte[]> consumer) {
        consumer.subscribe(tiers.topics(), new Rebalance());
    }

    @Override
    protected void turn(KafkaConsumer<String, byte[]> consumer) {
        lag.measureIfDue(consumer);
        pollOnce();
    }

    /** Lets forwards in flight finish (bounded by the grace period) and commits what was forwarded. */
    @Override
    protected void end(KafkaConsumer<String, byte[]> consumer) {
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(20));
        }
        applyForwarded();
        commit(true);
    }

    private void pollOnce() {
        applyForwarded();
        commit(false);
        resumeDue();
        ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout());
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                if (!release(partition, record)) {
                    break; // the rest of this partition waits behind its head
                }
            }
        }
    }

    /** Forwards {@code record} if it is due; otherwise pauses its partition at it and answers false. */
    private boolean release(TopicPartition partition, ConsumerRecord<String, byte[]> record) {
        PartitionProgress partitionProgress = progress.get(partition);
        if (partitionProgress == null) {
            return false;
        }
        DeliveryState state = DeliveryState.of(record);
        Instant due = releaseTime(record, state);
        if (due.isAfter(Instant.now())) {
            consumer.pause(java.util.List.of(partition));
            consumer.seek(partition, record.offset());
            resumeAt.put(partition, due);
            return false;
        }
        partitionProgress.dispatched(record.offset());
        inFlight.incrementAndGet();
        scheduler.forward(record.key(), record.value(), record.headers(), state).whenComplete((ignored, error) -> {
            inFlight.decrementAndGet();
            forwarded.add(new Forwarded(partition, record.offset(), error));
        });
        return true;
    }

    /** The earlier of the record's own time and its tier's delay after it was written. */
    private Instant releaseTime(ConsumerRecord<String, byte[]> record, DeliveryState state) {
        Instant tierEnd = tiers.byTopic(record.topic())
                .map(tier -> Instant.ofEpochMilli(record.timestamp()).plus(tier.delay()))
                .orElse(Instant.now());
        Instant own = state.nextAttemptAt();
        return own != null && own.isBefore(tierEnd) ? own : tierEnd;
    }

    private void resumeDue() {
        Instant now = Instant.now();
        resumeAt.entrySet().removeIf(entry -> {
            if (!entry.getValue().isAfter(now)) {
                consumer.resume(java.util.List.of(entry.getKey()));
                return true;
            }
            return false;
        });
    }

    /** Until the next paused partition is due, at most {@link #MAX_POLL}. */
    private Duration pollTimeout() {
        Instant now = Instant.now();
        Duration timeout = MAX_POLL;
        for (Instant at : resumeAt.values()) {
            Duration until = Duration.between(now, at);
            if (until.compareTo(timeout) < 0) {
                timeout = until.isNegative() ? Duration.ZERO : until;
            }
        }
        return timeout;
    }

    private void applyForwarded() {
        Forwarded done;
        while ((done = forwarded.poll()) != null) {
            PartitionProgress partitionProgress = progress.get(done.partition());
            if (partitionProgress == null) {
                continue;
            }
            if (done.error() == null) {
                partitionProgress.completed(done.offset());
            } else {
                // Not forwarded: read it again from here. Later offsets of the partition are read again too; a
                // record forwarded twice is delivered at least once, never lost.
                LOG.warnf(
                        "forwarding %s-%d failed (%s); it will be read again",
                        done.partition(), done.offset(), done.error().toString());
                progress.put(done.partition(), new PartitionProgress());
                consumer.seek(done.partition(), done.offset());
            }
        }
    }

    private void commit(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastCommitNanos < config.commitInterval().toNanos()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = PartitionProgress.toCommit(progress, progress.keySet());
        if (offsets.isEmpty()) {
            return;
        }
        lastCommitNanos = now;
        if (force) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    LOG.warnf("delay-tier offset commit failed (the next one will cover it): %s", error.toString());
                }
            });
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(partition -> progress.put(partition, new PartitionProgress()));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            applyForwarded();
            Map<TopicPartition, OffsetAndMetadata> offsets = PartitionProgress.toCommit(progress, partitions);
            if (!offsets.isEmpty()) {
                try {
                    consumer.commitSync(offsets);
                } catch (RuntimeException e) {
                    LOG.warnf("delay-tier commit on revocation failed; records may be forwarded again: %s", e);
                }
            }
            onPartitionsLost(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                progress.remove(partition);
                resumeAt.remove(partition);
            }
        }
    }

    private record Forwarded(TopicPartition partition, long offset, Throwable error) {}
}
