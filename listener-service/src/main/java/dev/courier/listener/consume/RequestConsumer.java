package dev.courier.listener.consume;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.courier.kafka.ConsumerLoop;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.dispatch.Dispatcher;
import dev.courier.listener.kafka.ConsumerLag;
import dev.courier.listener.kafka.ListenerKafka;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Reads {@code courier.requests} and keeps up to {@code max-in-flight} deliveries running at once, whatever the
 * number of partitions; commits each partition's contiguous completed prefix, at most once per commit interval.
 *
 * <p>One thread owns the Kafka consumer (it is not thread-safe). Deliveries complete on other threads and report back
 * through a queue that this thread drains. When every slot is taken, records already read wait in a backlog and the
 * partitions are paused, so memory stays bounded by one poll.
 */
@Singleton
public class RequestConsumer extends ConsumerLoop<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    /** Poll timeout when records are waiting for a free slot: short, so a freed slot is used promptly. */
    private static final Duration POLL_WHILE_FULL = Duration.ofMillis(5);

    private static final Duration POLL = Duration.ofMillis(100);

    private final Dispatcher dispatcher;
    private final ListenerConfig config;
    private final ListenerKafka kafka;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConsumerLag lag;

    // Owned by the consumer thread.
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<String, byte[]>> backlog = new ArrayDeque<>();
    private KafkaConsumer<String, byte[]> consumer;
    private long lastCommitNanos;

    public RequestConsumer(Dispatcher dispatcher, ListenerConfig config, MeterRegistry registry, ListenerKafka kafka) {
        super("courier-request-consumer");
        this.dispatcher = dispatcher;
        this.config = config;
        this.kafka = kafka;
        Gauge.builder("courier.inflight.calls", inFlight, AtomicInteger::get)
                .description("Deliveries in flight in this listener")
                .register(registry);
        this.lag = new ConsumerLag(
                registry, config.groupId(), List.of(config.topics().requests()));
    }

    void start(@Observes StartupEvent event) {
        startLoop();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopLoop(config.shutdownGrace().plusSeconds(10));
    }

    @Override
    protected KafkaConsumer<String, byte[]> open() {
        consumer = kafka.consumer(config.groupId(), Math.min(500, config.maxInFlight()));
        return consumer;
    }

    @Override
    protected void begin(KafkaConsumer<String, byte[]> consumer) {
        consumer.subscribe(List.of(config.topics().requests()), new Rebalance());
    }

    @Override
    protected void end(KafkaConsumer<String, byte[]> consumer) {
        drain();
    }

    @Override
    protected void turn(KafkaConsumer<String, byte[]> consumer) {
        lag.measureIfDue(consumer);
        pollOnce();
    }

    private void pollOnce() {
        applyCompletions();
        commitIfDue(false);
        dispatchBacklog();
        for (ConsumerRecord<String, byte[]> record : consumer.poll(backlog.isEmpty() ? POLL : POLL_WHILE_FULL)) {
            backlog.addLast(record);
        }
        dispatchBacklog();
        // Paused while records wait for a slot: poll keeps the group membership but fetches nothing more.
        if (backlog.isEmpty()) {
            consumer.resume(consumer.paused());
        } else {
            consumer.pause(consumer.assignment());
        }
    }

    private void dispatchBacklog() {
        while (!backlog.isEmpty() && inFlight.get() < config.maxInFlight()) {
            ConsumerRecord<String, byte[]> record = backlog.pollFirst();
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            PartitionProgress partitionProgress = progress.get(partition);
            if (partitionProgress == null) {
                continue; // the partition was revoked after this record was read; its new owner reads it again
            }
            partitionProgress.dispatched(record.offset());
            inFlight.incrementAndGet();
            dispatcher.dispatch(record).whenComplete((ignored, error) -> {
                inFlight.decrementAndGet();
                if (error == null) {
                    completions.add(new Completion(partition, record.offset()));
                } else {
                    // The dispatcher's contract is never to fail; if it does, the offset stays uncommitted and the
                    // record is redelivered after a restart rather than lost.
                    LOG.errorf(error, "delivery of %s-%d failed without an outcome", partition, record.offset());
                }
            });
        }
    }

    private void applyCompletions() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            PartitionProgress partitionProgress = progress.get(completion.partition());
            if (partitionProgress != null) {
                partitionProgress.completed(completion.offset());
            }
        }
    }

    /** Commits every partition whose completed prefix advanced; at most once per commit interval unless forced. */
    private void commitIfDue(boolean force) {
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
            consumer.commitAsync(offsets, (committedOffsets, error) -> {
                if (error != null) {
                    LOG.warnf("offset commit failed (the next one will cover it): %s", error.toString());
                }
            });
        }
    }

    /** On shutdown: let in-flight deliveries finish (bounded by the grace period) and commit what completed. */
    private void drain() {
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(20));
        }
        applyCompletions();
        try {
            commitIfDue(true);
        } catch (RuntimeException e) {
            LOG.warn("final offset commit failed; completed records may be delivered again", e);
        }
        if (inFlight.get() > 0) {
            LOG.warnf("stopped with %d deliveries in flight; they will be delivered again", inFlight.get());
        }
    }

    /** Keeps per-partition state in step with the group's assignment. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                progress.put(partition, new PartitionProgress());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            applyCompletions();
            Map<TopicPartition, OffsetAndMetadata> offsets = PartitionProgress.toCommit(progress, partitions);
            if (!offsets.isEmpty()) {
                try {
                    consumer.commitSync(offsets);
                } catch (RuntimeException e) {
                    LOG.warnf("commit on revocation failed; completed records may be delivered again: %s", e);
                }
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                progress.remove(partition);
            }
            backlog.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
        }
    }

    private record Completion(TopicPartition partition, long offset) {}
}
