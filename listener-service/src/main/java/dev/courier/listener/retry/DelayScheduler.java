package dev.courier.listener.retry;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import dev.courier.listener.callback.CallbackTask;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Hands an invocation that must wait (a retry, a deferred delivery, a call to a limited target, a callback to
 * deliver again) to a delay tier, or, once its time has come, back
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
        Headers headers = new RecordHeaders();
        String correlationId = request.correlationId() != null ? request.correlationId() : request.id();
        headers.add(
                StatusEvent.HEADER,
                StatusEvent.accepted(
                                request.id(), state.acceptedAt(), correlationId, request.tenant(), request.replayOf())
                        .encode());
        return forward(request.recordKey(), json(request), headers, state);
    }

    /** Parks a callback that is to be delivered again at {@code next}. */
    public CompletionStage<Void> scheduleCallback(CallbackTask task, Instant next) {
        Headers headers = new RecordHeaders();
        headers.add(CallbackTask.KIND_HEADER, CallbackTask.KIND.getBytes(StandardCharsets.UTF_8));
        DeliveryState state = new DeliveryState(task.attempts(), task.acceptedAt(), null, next, null, null);
        return forward(task.request().recordKey(), json(task), headers, state);
    }

    /**
     * Moves a waiting record on, with its headers: to the requests topic if it is due, else to the tier for what
     * remains of its wait.
     */
    public CompletionStage<Void> forward(String key, byte[] value, Headers headers, DeliveryState state) {
        Duration remaining =
                state.nextAttemptAt() == null ? Duration.ZERO : Duration.between(Instant.now(), state.nextAttemptAt());
        String topic = remaining.isNegative() || remaining.isZero()
                ? requestsTopic
                : tiers.tierFor(remaining).topic();
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(topic, null, key, value, new RecordHeaders(headers.toArray()));
        state.writeTo(record.headers());
        reportStatus(record.headers(), state, topic.equals(requestsTopic));
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

    /**
     * Replaces the record's {@link StatusEvent} with the step this hand-off is: back on the requests topic for an
     * attempt ({@code DISPATCHING}), or waiting in a tier ({@code SCHEDULED} before the first attempt, {@code RETRYING}
     * after one). A parked callback reports nothing: its invocation's outcome follows in its record.
     */
    private static void reportStatus(Headers headers, DeliveryState state, boolean due) {
        Header previous = headers.lastHeader(StatusEvent.HEADER);
        headers.remove(StatusEvent.HEADER);
        if (previous == null || headers.lastHeader(CallbackTask.KIND_HEADER) != null) {
            return;
        }
        StatusEvent identity;
        try {
            identity = StatusEvent.decode(previous.value());
        } catch (IllegalArgumentException e) {
            return; // written by a newer version: leave it to the record's next step
        }
        InvocationStatus status = due
                ? InvocationStatus.DISPATCHING
                : state.attempts() == 0 ? InvocationStatus.SCHEDULED : InvocationStatus.RETRYING;
        StatusEvent step = new StatusEvent(
                identity.id(),
                status,
                state.attempts(),
                due ? null : state.nextAttemptAt(),
                state.acceptedAt(),
                Instant.now(),
                null,
                identity.correlationId(),
                false,
                identity.tenant(),
                identity.replayOf());
        headers.add(StatusEvent.HEADER, step.encode());
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
