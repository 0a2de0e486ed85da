package dev.courier.testing.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Records the configuration of every Kafka producer and consumer a service creates, exactly as the service passed it
 * to the client, so that a test can assert the effective settings of clients built by the service's own code; and
 * when each consumer's offset commits succeeded. Kafka configures an interceptor with the client's whole
 * configuration: a test that sets {@code kafka.interceptor.classes=dev.courier.testing.kafka.ClientConfigRecorder}
 * sees every client. It passes records through untouched.
 */
public final class ClientConfigRecorder
        implements ProducerInterceptor<Object, Object>, ConsumerInterceptor<Object, Object> {
    private static final List<Map<String, Object>> PRODUCERS = new CopyOnWriteArrayList<>();
    private static final List<Map<String, Object>> CONSUMERS = new CopyOnWriteArrayList<>();
    private static final List<Commit> COMMITS = new CopyOnWriteArrayList<>();

    private String groupId;

    /** The configuration of every producer created since the start (or {@link #clear()}), in creation order. */
    public static List<Map<String, Object>> producers() {
        return List.copyOf(PRODUCERS);
    }

    /** The configuration of every consumer created since the start (or {@link #clear()}), in creation order. */
    public static List<Map<String, Object>> consumers() {
        return List.copyOf(CONSUMERS);
    }

    /**
     * When ({@link System#nanoTime()}) the commits of the consumers in {@code groupId} succeeded, in order.
     */
    public static List<Long> commitTimes(String groupId) {
        return COMMITS.stream()
                .filter(commit -> groupId.equals(commit.groupId()))
                .map(Commit::nanoTime)
                .toList();
    }

    /** Forgets what was recorded. */
    public static void clear() {
        PRODUCERS.clear();
        CONSUMERS.clear();
        COMMITS.clear();
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Map<String, Object> copy = new HashMap<>(configs);
        groupId = (String) copy.get(ConsumerConfig.GROUP_ID_CONFIG);
        // Kafka adds the (de)serializer classes to a client's configuration: they tell the two kinds apart.
        if (copy.containsKey(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG)) {
            PRODUCERS.add(copy);
        } else if (copy.containsKey(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG)) {
            CONSUMERS.add(copy);
        }
    }

    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        COMMITS.add(new Commit(groupId, System.nanoTime()));
    }

    @Override
    public void close() {}

    private record Commit(String groupId, long nanoTime) {}
}
