package dev.courier.accepter.intake;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.status.StatusEvent;
import dev.courier.kafka.KafkaSettings;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes accepted requests to {@code courier.requests} and reports when Kafka has them durably.
 *
 * <p>Invariant: the returned stage completes normally only after the broker acknowledged the record with
 * {@code acks=all}; it fails if that does not happen within {@link AccepterConfig#publishTimeout()}. Only then may
 * the caller be told 202.
 *
 * <p>Created at start-up, not at the first request: building the producer (with SASL_SSL: the JAAS login and the TLS
 * context) takes time that must not block an HTTP event-loop thread or count against the first request's publish
 * timeout, and a setting Kafka rejects stops the service at start-up.
 *
 * <p>Sensitive header values are sealed here, as each record is written ({@link SealedHeaders}): this is the one
 * place a request becomes a record, so no record leaves the accepter with one in clear.
 */
@Startup
@ApplicationScoped
public class RequestPublisher {
    private final KafkaProducer<String, byte[]> producer;
    private final ObjectMapper mapper;
    private final String topic;
    private final Duration timeout;
    private final SealedHeaders sealing;
    /**
     * {@code send()} can block (metadata not yet known, buffer full) for up to {@code max.block.ms}; it runs here so
     * that it never blocks an HTTP event-loop thread.
     */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "courier-request-publisher");
        thread.setDaemon(true);
        return thread;
    });

    public RequestPublisher(
            AccepterConfig config,
            ObjectMapper mapper,
            SealedHeaders sealing,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.mapper = mapper;
        this.sealing = sealing;
        this.topic = config.requestsTopic();
        this.timeout = config.publishTimeout();
        this.producer =
                new KafkaProducer<>(producerConfig(kafka, config), new StringSerializer(), new ByteArraySerializer());
    }

    /** Producer settings: the shared {@code kafka.*} ones, then the ones this path's promise depends on. */
    static Map<String, Object> producerConfig(Map<String, Object> kafka, AccepterConfig config) {
        Map<String, Object> props = KafkaSettings.producer(kafka);
        long timeoutMs = config.publishTimeout().toMillis();
        long lingerMs = config.linger().toMillis();
        // A 202 promises the record is on every in-sync replica.
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, (int) lingerMs);
        // Give up on a record no later than the HTTP answer does, so a 503 rarely hides a late success.
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeoutMs - lingerMs));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "courier-accepter");
        return props;
    }

    /**
     * The record of {@code request}: its JSON, keyed by its ordering key or id, with the {@link StatusEvent} that tells
     * the status read model it is accepted (at the record's own timestamp).
     */
    private ProducerRecord<String, byte[]> record(InvocationRequest request) throws JsonProcessingException {
        long now = System.currentTimeMillis();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                topic, null, now, request.recordKey(), mapper.writeValueAsBytes(sealing.seal(request)));
        String correlationId = request.correlationId() != null ? request.correlationId() : request.id();
        record.headers()
                .add(
                        StatusEvent.HEADER,
                        StatusEvent.accepted(
                                        request.id(),
                                        Instant.ofEpochMilli(now),
                                        correlationId,
                                        request.tenant(),
                                        request.replayOf())
                                .encode());
        return record;
    }

    /**
     * Publishes {@code request} (which has its id) keyed by its ordering key or id. The stage completes with the
     * record's position once the broker acknowledged it, or fails with a {@link java.util.concurrent.TimeoutException}
     * or the producer's error.
     */
    public CompletionStage<RecordMetadata> publish(InvocationRequest request) {
        return publishAll(List.of(request)).get(0);
    }

    /**
     * Publishes every request as {@link #publish} does, handing all records to the producer in one go and in order
     * (so that they share its batches, and requests with the same ordering key keep their order); one stage per
     * request, each completing with its own acknowledgement.
     */
    public List<CompletionStage<RecordMetadata>> publishAll(List<InvocationRequest> requests) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(requests.size());
        List<CompletableFuture<RecordMetadata>> acknowledgements = new ArrayList<>(requests.size());
        for (InvocationRequest request : requests) {
            CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
            try {
                records.add(record(request));
            } catch (JsonProcessingException | IllegalStateException e) { // IllegalStateException: no sealing key
                records.add(null);
                acknowledged.completeExceptionally(e);
            }
            acknowledgements.add(acknowledged);
        }
        if (!requests.isEmpty()) {
            try {
                sender.execute(() -> send(records, acknowledgements));
            } catch (RejectedExecutionException e) {
                acknowledgements.forEach(acknowledged -> acknowledged.completeExceptionally(e));
            }
        }
        List<CompletionStage<RecordMetadata>> stages = new ArrayList<>(requests.size());
        for (CompletableFuture<RecordMetadata> acknowledged : acknowledgements) {
            stages.add(acknowledged.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        return stages;
    }

    private void send(List<ProducerRecord<String, byte[]>> records, List<CompletableFuture<RecordMetadata>> acks) {
        for (int i = 0; i < records.size(); i++) {
            CompletableFuture<RecordMetadata> acknowledged = acks.get(i);
            // Not written (no record), or answered already: a record for a request its caller was told is not
            // accepted must not be sent now.
            if (records.get(i) == null || acknowledged.isDone()) {
                continue;
            }
            try {
                producer.send(records.get(i), (metadata, error) -> {
                    if (error != null) {
                        acknowledged.completeExceptionally(error);
                    } else {
                        acknowledged.complete(metadata);
                    }
                });
            } catch (RuntimeException e) {
                acknowledged.completeExceptionally(e);
            }
        }
    }

    /** How long {@link #publish} waits for the acknowledgement. */
    public Duration timeout() {
        return timeout;
    }

    @PreDestroy
    void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
