package dev.courier.cache.log;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Appends changes to {@code courier.cache.changes}: a write is durable once the broker acknowledged it (acks=all). */
@ApplicationScoped
public class ChangeLog {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public ChangeLog(CacheConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.topic = config.changesTopic();
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (ProducerConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "courier-cache-writer");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Appends {@code change}; completes with its position once the broker has it. */
    public CompletionStage<RecordMetadata> append(CacheChange change) {
        return append(change, null);
    }

    /** Appends {@code change} to {@code partition} (null: the one its key hashes to). */
    public CompletionStage<RecordMetadata> append(CacheChange change, Integer partition) {
        CompletableFuture<RecordMetadata> appended = new CompletableFuture<>();
        try {
            producer.send(change.toRecord(topic, partition), (metadata, error) -> {
                if (error == null) {
                    appended.complete(metadata);
                } else {
                    appended.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            appended.completeExceptionally(e);
        }
        return appended;
    }

    /** How many partitions the change log has. */
    public int partitions() {
        return producer.partitionsFor(topic).size();
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
