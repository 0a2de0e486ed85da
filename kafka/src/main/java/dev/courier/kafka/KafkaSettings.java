package dev.courier.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The shared {@code kafka.*} settings (Quarkus's {@code default-kafka-broker} map: the broker, and the {@code oci}
 * profile's login and limits) narrowed to what one kind of client knows. Every Courier client starts from these, so a
 * setting made once applies to all, and none is handed one it would log as unknown.
 */
public final class KafkaSettings {
    private KafkaSettings() {}

    /** The shared settings a consumer knows, in a new map the caller adds its own to. */
    public static Map<String, Object> consumer(Map<String, Object> shared) {
        return only(shared, ConsumerConfig.configNames());
    }

    /** The shared settings a producer knows, in a new map the caller adds its own to. */
    public static Map<String, Object> producer(Map<String, Object> shared) {
        return only(shared, ProducerConfig.configNames());
    }

    private static Map<String, Object> only(Map<String, Object> shared, Set<String> names) {
        Map<String, Object> props = new HashMap<>();
        shared.forEach((key, value) -> {
            if (names.contains(key)) {
                props.put(key, value);
            }
        });
        return props;
    }
}
