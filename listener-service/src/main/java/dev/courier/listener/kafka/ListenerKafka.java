package dev.courier.listener.kafka;

import java.time.Duration;
import java.util.Map;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.kafka.KafkaSettings;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The listener's Kafka clients, built from the shared {@code kafka.*} properties plus the settings that at-least-once
 * delivery depends on, which configuration cannot change.
 *
 * <p>One producer serves every write (invocation records, hand-offs to delay tiers, returns from them): it is
 * thread-safe, and one connection set batches better than several.
 */
@ApplicationScoped
public class ListenerKafka {
    private final Map<String, Object> shared;
    private final KafkaProducer<String, byte[]> producer;

    public ListenerKafka(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.shared = Map.copyOf(kafka);
        Map<String, Object> props = KafkaSettings.producer(shared);
        // A record that decides an offset commit must be on every in-sync replica.
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Every delivery writes a record, so many are sent at once: waiting up to 5 ms lets them share a produce
        // request, which costs the listener and the broker less CPU per delivery (measured in docs/benchmarks.md). The
        // wait delays only the offset commit, never a call.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "courier-listener");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** The shared producer ({@code acks=all}). */
    public KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    /**
     * A new consumer in {@code groupId} (null for none: the caller assigns partitions) that never commits by itself;
     * the caller owns and closes it.
     */
    public KafkaConsumer<String, byte[]> consumer(String groupId, int maxPollRecords) {
        Map<String, Object> props = KafkaSettings.consumer(shared);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        // Offsets are committed by hand, only for records whose outcome is durable.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new consumer group must not skip records written before it first started.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
