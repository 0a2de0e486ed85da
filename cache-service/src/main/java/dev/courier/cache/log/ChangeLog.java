package dev.courier.cache.log;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import dev.courier.kafka.KafkaSettings;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Appends changes to {@code courier.cache.changes}: a write is durable once the broker acknowledged it (acks=all).
 *
 * <p>{@link #append} never blocks its caller, so the API's writes run on the HTTP event loop: {@code send()} can block
 * (topic metadata not yet known, the producer's buffer full) for up to {@code max.block.ms}, so it runs on a thread of
 * its own. Under load that thread stays awake draining its queue; the hand-off replaced a worker-pool dispatch and a
 * second one to resume the request, which cost more CPU than the write itself (docs/benchmarks.md).
 */
@ApplicationScoped
public class ChangeLog {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "courier-cache-change-sender");
        thread.setDaemon(true);
        return thread;
    });

    public ChangeLog(CacheConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.topic = config.changesTopic();
        Map<String, Object> props = KafkaSettings.producer(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // No write waits longer than its answer does (the write timeout), on metadata or buffer space either.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.writeTimeout().toMillis());
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
            sender.execute(() -> send(change, partition, appended));
        } catch (RejectedExecutionException e) { // shutting down
            appended.completeExceptionally(e);
        }
        return appended;
    }

    private void send(CacheChange change, Integer partition, CompletableFuture<RecordMetadata> appended) {
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
    }

    /** How many partitions the change log has. */
    public int partitions() {
        return producer.partitionsFor(topic).size();
    }

    /** Sends what was handed over, then closes the producer (the container calls it at shutdown). */
    @PreDestroy
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
