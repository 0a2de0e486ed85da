package dev.courier.accepter.config;

import java.util.Map;

import dev.courier.kafka.KafkaSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Settings of the accepter's consumers, which all read partitions they assign themselves (the replay's reader, the
 * {@code Prefer: wait} follower): the shared {@code kafka.*} settings a consumer knows (so the {@code oci} profile's
 * login and fetch limits apply), without a group and without committing, keys as text and values as bytes.
 */
public final class AssignedConsumers {
    private AssignedConsumers() {}

    /**
     * The settings for a consumer named {@code clientId} that starts, where it has no position, as
     * {@code autoOffsetReset} says ({@code latest}, {@code earliest} or {@code none}).
     */
    public static Map<String, Object> settings(Map<String, Object> kafka, String clientId, String autoOffsetReset) {
        Map<String, Object> props = KafkaSettings.consumer(kafka);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, autoOffsetReset);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }
}
