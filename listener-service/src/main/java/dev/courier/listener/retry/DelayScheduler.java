package dev.courier.listener.retry;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.request.InvocationRequest;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Hands an invocation that must wait (a retry or a deferred delivery) to a delay tier, or, once its time has come, back
 * to the requests topic. Either way the record carries its {@link DeliveryState}; the stage completes once the broker
 * acknowledged it, and only then may the record it came from be committed.
 */
@ApplicationScoped
public class DelayScheduler {
    private final ListenerKafka kafka;
    private final DelayTiers tiers;
    private final ObjectMapper mapper;
    private final String requestsTopic;

    public DelayScheduler(ListenerKafka kafka, DelayTiers tiers, ObjectMapper mapper, ListenerConfig config) {
        this.kafka = kafka;
        this.tiers = tiers;
        this.mapper = mapper;
        this.requestsTopic = config.topics().requests();
    }

    /**
     * Writes {@code request} (with its id, so that an id derived from a position stays the same) to the tier for its
     * remaining wait.
     */
    public CompletionStage<Void> schedule(InvocationRequest request, DeliveryState state) {
        byte[] value;
        try {
            value = mapper.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return forward(request.recordKey(), value, state);
    }

    /**
     * Moves a waiting record on: to the requests topic if it is due, else to the tier for what remains of its wait.
     */
    public CompletionStage<Void> forward(String key, byte[] value, DeliveryState state) {
        Duration remaining =
                state.nextAttemptAt() == null ? Duration.ZERO : Duration.between(Instant.now(), state.nextAttemptAt());
        String topic = remaining.isNegative() || remaining.isZero()
                ? requestsTopic
                : tiers.tierFor(remaining).topic();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        state.writeTo(record.headers());
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        try {
            kafka.producer().send(record, (metadata, error) -> {
                if (error == null) {
                    acknowledged.complete(null);
                } else {
                    acknowledged.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }
}
