package dev.courier.listener.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The lag of one consumer group on its topics, as this instance sees it: for every partition assigned here, the records
 * between the group's committed offset and the partition's end, summed per topic ({@code courier_consumer_lag_records}
 * with {@code group} and {@code topic}). Summed over the instances of the group it is the lag that
 * {@code kafka-consumer-groups.sh} and KEDA's Kafka scaler compute; a topic with no partition here counts 0.
 *
 * <p>Committed, not fetched: a record read but not yet delivered is lag, and so is a delay-tier record waiting for its
 * time. Only the consumer's own thread may call {@link #measureIfDue}: it asks the broker for the end and committed
 * offsets (two requests), at most every {@link #INTERVAL}.
 */
public final class ConsumerLag {
    private static final Logger LOG = Logger.getLogger(ConsumerLag.class);
    /** Prometheus scrapes every 15 s or so; a fresher value would only cost broker requests. */
    static final Duration INTERVAL = Duration.ofSeconds(5);

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, AtomicLong> byTopic = new HashMap<>();
    private long lastNanos;
    private boolean measured;

    /** Registers a gauge per topic of {@code topics} (0 until the first measurement). */
    public ConsumerLag(MeterRegistry registry, String group, List<String> topics) {
        for (String topic : topics) {
            AtomicLong lag = new AtomicLong();
            byTopic.put(topic, lag);
            registerGauge(
                    registry,
                    "courier.consumer.lag.records",
                    "Records not yet committed by the consumer group on the partitions assigned here",
                    Tags.of("group", group, "topic", topic),
                    lag::get);
        }
    }

    /**
     * Registers a gauge, replacing one of the same name and tags that is already there. In production there never is;
     * but Quarkus tests restart the application in one JVM, and Micrometer's global registry outlives it: the gauge of
     * the stopped instance would go on being reported instead of this one's.
     */
    public static void registerGauge(
            MeterRegistry registry, String name, String description, Tags tags, Supplier<Number> value) {
        registry.find(name).tags(tags).gauges().forEach(registry::remove);
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    /** The last measured lag on {@code topic}, 0 for a topic this instance does not follow. */
    public long of(String topic) {
        AtomicLong lag = byTopic.get(topic);
        return lag == null ? 0 : lag.get();
    }

    /** Measures again if {@link #INTERVAL} has passed; a failed measurement keeps the last values. */
    public void measureIfDue(KafkaConsumer<?, ?> consumer) {
        long now = System.nanoTime();
        if (measured && now - lastNanos < INTERVAL.toNanos()) {
            return;
        }
        measured = true;
        lastNanos = now;
        try {
            measure(consumer);
        } catch (WakeupException e) {
            throw e; // the loop is being stopped: let it see that
        } catch (KafkaException e) {
            LOG.debugf("consumer lag not measured this time: %s", e.toString());
        }
    }

    private void measure(KafkaConsumer<?, ?> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<String, Long> sums = new HashMap<>();
        byTopic.keySet().forEach(topic -> sums.put(topic, 0L));
        if (!assigned.isEmpty()) {
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, REQUEST_TIMEOUT);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned, REQUEST_TIMEOUT);
            for (TopicPartition partition : assigned) {
                Long end = ends.get(partition);
                if (end == null || !sums.containsKey(partition.topic())) {
                    continue;
                }
                OffsetAndMetadata done = committed.get(partition);
                // Nothing committed yet: the group starts where this consumer is (the earliest offset, for a new
                // group).
                long from = done != null ? done.offset() : consumer.position(partition, REQUEST_TIMEOUT);
                sums.merge(partition.topic(), Math.max(0, end - from), Long::sum);
            }
        }
        sums.forEach((topic, lag) -> byTopic.get(topic).set(lag));
    }
}
