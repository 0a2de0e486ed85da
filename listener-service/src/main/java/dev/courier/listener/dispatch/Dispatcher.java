package dev.courier.listener.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.Condition;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.status.StatusEvent;
import dev.courier.listener.callback.CallbackSender;
import dev.courier.listener.callback.CallbackTask;
import dev.courier.listener.cancel.Cancellations;
import dev.courier.listener.claimcheck.StoredBodies;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.consume.RequestDecoder;
import dev.courier.listener.consume.RequestDecoder.Decoded;
import dev.courier.listener.idempotency.IdempotencyClaims;
import dev.courier.listener.lanes.Lanes;
import dev.courier.listener.limits.TargetGate;
import dev.courier.listener.limits.TargetKeys;
import dev.courier.listener.outcome.InvocationRecords;
import dev.courier.listener.outcome.OutcomeWriter;
import dev.courier.listener.retry.DelayScheduler;
import dev.courier.listener.retry.DeliveryState;
import dev.courier.listener.retry.RetrySchedule;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * Takes one {@code courier.requests} record one step further: read it; if it is cancelled or expired, record that; if it is not
 * due, hand it to a delay tier; otherwise call the target, then either schedule a retry through a delay tier or
 * forward the response to the callback address and write the invocation record.
 *
 * <p>Contract: the returned stage completes only once the outcome is durably written, and it does not fail; a record
 * that cannot be read, and even an unexpected error, still ends in a record on the failures topic. The consumer
 * commits the record's offset only after that.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final RequestDecoder decoder;
    private final Invokers invokers;
    private final CallbackSender callbacks;
    private final OutcomeWriter outcomes;
    private final DelayScheduler scheduler;
    private final RetrySchedule retries;
    private final TargetGate gate;
    private final DeliveryMetrics metrics;
    private final ObjectMapper mapper;
    private final Cancellations cancellations;
    private final Lanes lanes;
    private final Duration laneWait;
    private final StoredBodies bodies;
    private final IdempotencyClaims claims;
    private final int recordResponseMaxBytes;
    private final int recordRequestMaxBytes;

    public Dispatcher(
            RequestDecoder decoder,
            Invokers invokers,
            CallbackSender callbacks,
            OutcomeWriter outcomes,
            DelayScheduler scheduler,
            RetrySchedule retries,
            TargetGate gate,
            DeliveryMetrics metrics,
            ObjectMapper mapper,
            Cancellations cancellations,
            StoredBodies bodies,
            Lanes lanes,
            IdempotencyClaims claims,
            ListenerConfig config) {
        this.decoder = decoder;
        this.invokers = invokers;
        this.callbacks = callbacks;
        this.outcomes = outcomes;
        this.scheduler = scheduler;
        this.retries = retries;
        this.gate = gate;
        this.metrics = metrics;
        this.mapper = mapper;
        this.cancellations = cancellations;
        this.lanes = lanes;
        this.laneWait = config.ordering().busyWait();
        this.bodies = bodies;
        this.claims = claims;
        this.recordResponseMaxBytes = config.dispatch().recordResponseMaxBytes();
        this.recordRequestMaxBytes = config.dispatch().recordRequestMaxBytes();
    }

    /** Takes the request in {@code record} one step further; completes when that step's outcome is durable. */
    public CompletionStage<Void> dispatch(ConsumerRecord<String, byte[]> record) {
        Header kind = record.headers().lastHeader(CallbackTask.KIND_HEADER);
        if (kind != null && CallbackTask.KIND.equals(new String(kind.value(), StandardCharsets.UTF_8))) {
            return redeliverCallback(record);
        }
        Instant acceptedAt = Instant.ofEpochMilli(record.timestamp());
        InvocationRecord.Source source =
                new InvocationRecord.Source(record.topic(), record.partition(), record.offset());
        Decoded decoded = decoder.decode(record);
        if (decoded instanceof Decoded.Invalid invalid) {
            metrics.deadLettered("invalid_request");
            LOG.warnf("rejected the record at %s: %s", source, invalid.reason());
            // The same id on every redelivery of this record, so that its failure record can be deduplicated.
            String id =
                    Ulid.derived(record.timestamp(), record.topic() + "/" + record.partition() + "/" + record.offset());
            return outcomes.write(InvocationRecords.rejected(id, acceptedAt, source, record.value(), invalid.reason()));
        }
        InvocationRequest request = ((Decoded.Valid) decoded).request();
        DeliveryState state = DeliveryState.of(record);
        CompletionStage<Void> delivered;
        try {
            delivered = request.idempotencyKey() != null && record.headers().lastHeader(StatusEvent.HEADER) == null
                    ? claimed(request, state, source)
                    : deliver(request, state);
        } catch (RuntimeException e) {
            delivered = CompletableFuture.failedFuture(e);
        }
        return delivered.exceptionallyCompose(error -> {
            LOG.errorf(error, "unexpected error delivering invocation %s at %s", request.id(), source);
            AttemptResult.Failed failure = new AttemptResult.Failed(
                    ErrorCodes.INTERNAL_ERROR, "internal error: " + error, false, Duration.ZERO);
            return record(request, state.acceptedAt(), failure, Condition.REJECTED, state.attempts(), null);
        });
    }

    /**
     * A request a producer published straight to Kafka with an {@code idempotencyKey}, seen for the first time (the
     * accepter's records, which claimed their key already, and every hand-off the listener makes carry a
     * {@link StatusEvent}; a direct producer's record does not): delivered only if its key is claimed for it. A
     * duplicate is recorded on the failures topic ({@code Rejected}, {@code DuplicateRequest}) and not delivered; a
     * key that cannot be claimed because there is no cache-service is refused the same way
     * ({@code IdempotencyKeyUnsupported}) rather than ignored.
     */
    private CompletionStage<Void> claimed(
            InvocationRequest request, DeliveryState state, InvocationRecord.Source source) {
        String position = source.topic() + "/" + source.partition() + "/" + source.offset();
        return claims.claim(request.tenant(), request.idempotencyKey(), request.id(), position)
                .thenCompose(claim -> {
                    if (claim instanceof IdempotencyClaims.Claim.Mine) {
                        return deliver(request, state);
                    }
                    AttemptResult.Failed refusal;
                    boolean ownInvocation = true;
                    if (claim instanceof IdempotencyClaims.Claim.Duplicate duplicate) {
                        metrics.deadLettered("duplicate_request");
                        refusal = new AttemptResult.Failed(
                                ErrorCodes.DUPLICATE_REQUEST,
                                "idempotencyKey already names invocation " + duplicate.holder()
                                        + " (within the idempotency window); this record was not delivered",
                                false,
                                Duration.ZERO);
                        // The same id as the invocation the key names: this record must not end that invocation's
                        // status.
                        ownInvocation = !duplicate.sameId();
                    } else {
                        metrics.deadLettered("idempotency_unsupported");
                        refusal = new AttemptResult.Failed(
                                ErrorCodes.IDEMPOTENCY_UNAVAILABLE,
                                "the request has an idempotencyKey and this listener has no cache-service to claim it in"
                                        + " (courier.listener.cache-url); not delivered",
                                false,
                                Duration.ZERO);
                    }
                    // Not record(): the request never entered a lane, and a stored body it names may be the first
                    // invocation's, so nothing is released. A duplicate is not kept for replay: it would be delivered
                    // twice.
                    return outcomes.write(
                                    InvocationRecords.completed(
                                            request,
                                            state.acceptedAt(),
                                            refusal,
                                            Condition.REJECTED,
                                            0,
                                            null,
                                            recordResponseMaxBytes,
                                            claim instanceof IdempotencyClaims.Claim.Duplicate
                                                    ? null
                                                    : replayable(request, Condition.REJECTED)),
                                    ownInvocation)
                            .thenRun(() -> metrics.completed(Condition.REJECTED));
                });
    }

    /**
     * One step of an invocation's life. An invocation with an ordering key first takes its place in its key's lane
     * (before anything else, so that a later request of the key always finds it there).
     */
    private CompletionStage<Void> deliver(InvocationRequest request, DeliveryState state) {
        if (request.orderingKey() == null) {
            return step(request, state);
        }
        return lanes.enter(request.id(), request.orderingKey(), state.lanePosition())
                .thenCompose(entered -> step(request, state));
    }

    /**
     * Cancelled or expired → record; not yet due, or its ordering key busy → hand to a delay tier; otherwise make the
     * next attempt and either finish (success, final failure, attempts used up, no time left) or schedule a retry.
     */
    private CompletionStage<Void> step(InvocationRequest request, DeliveryState state) {
        if (cancellations.isCancelled(request.id())) {
            return record(request, state.acceptedAt(), null, Condition.CANCELLED, state.attempts(), null);
        }
        Instant now = Instant.now();
        Instant expiry = expiry(request, state.acceptedAt());
        if (expiry != null && now.isAfter(expiry)) {
            return finish(request, state, null, Condition.EVENT_AGE_EXCEEDED, state.attempts());
        }
        Instant due = due(request, state);
        if (due.isAfter(now)) {
            metrics.deferred(state.attempts() == 0 ? "deferred" : "retry");
            return scheduler.schedule(request, state.deferredTo(due));
        }
        if (request.orderingKey() != null && lanes.isBusy(request.id(), request.orderingKey(), state.lanePosition())) {
            // An earlier request of the key is unfinished: wait a moment for it in flight, then in a delay tier.
            // Neither is an attempt.
            return lanes.awaitTurn(request.id(), request.orderingKey(), state.lanePosition(), laneWait)
                    .thenCompose(turn -> {
                        if (turn) {
                            return step(request, state);
                        }
                        metrics.deferred("ordering");
                        return scheduler.schedule(
                                request, state.deferredTo(Instant.now().plus(laneWait)));
                    });
        }
        TargetGate.Admission admission = gate.admit(TargetKeys.of(request.target()), state.rateSlot());
        if (admission instanceof TargetGate.Wait wait) {
            // A limited target or an open circuit: wait in a delay tier; this is not an attempt.
            metrics.limited(wait.reason());
            return scheduler.schedule(request, state.waitingForTarget(wait.at(), wait.reserved()));
        }
        TargetGate.Permit permit = (TargetGate.Permit) admission;
        int attempt = state.attempts() + 1;
        if (attempt == 1) {
            metrics.firstAttempt(request, Duration.between(requestedStart(request, state), Instant.now()));
        }
        // The request keeps its stored body's reference while it waits; only the call gets the bytes.
        return bodies.attempt(request, claimed -> invokers.invoke(claimed, attempt))
                .thenCompose(result -> {
                    permit.release(result.retryable());
                    metrics.attempted(request, result);
                    if (result.succeeded()) {
                        return finish(request, state, result, Condition.SUCCESS, attempt);
                    }
                    if (!result.retryable()) {
                        return finish(request, state, result, Condition.REJECTED, attempt);
                    }
                    RetrySchedule.Policy policy =
                            retries.policyFor(request.retry(), request.target().route());
                    if (attempt >= policy.maxAttempts()) {
                        return finish(request, state, result, Condition.RETRIES_EXHAUSTED, attempt);
                    }
                    Instant next = Instant.now().plus(retries.backoff(policy, attempt, retryAfter(result)));
                    if (expiry != null && next.isAfter(expiry)) {
                        return finish(request, state, result, Condition.EVENT_AGE_EXCEEDED, attempt);
                    }
                    metrics.deferred("retry");
                    metrics.retried("target");
                    return scheduler.schedule(request, state.retryAt(attempt, now, next));
                });
    }

    /**
     * Ends an invocation: forwards the outcome to the callback, if there is one, then writes the invocation record.
     * A callback that fails retryably is parked and delivered again like an invocation; the record is written once
     * the callback is settled.
     */
    private CompletionStage<Void> finish(
            InvocationRequest request, DeliveryState state, AttemptResult result, Condition condition, int attempts) {
        if (request.callback() == null) {
            return record(request, state.acceptedAt(), result, condition, attempts, null);
        }
        return deliverCallback(CallbackTask.of(request, result, condition, attempts, state.acceptedAt()));
    }

    private CompletionStage<Void> deliverCallback(CallbackTask task) {
        InvocationRequest request = task.request();
        return bodies.response(task)
                .handle((result, error) -> error == null
                        ? callbacks
                                .send(request, result, task.condition(), task.attempts())
                                .thenApply(delivery -> new Forwarded(result, delivery))
                        : CompletableFuture.completedFuture(
                                new Forwarded(task.result(), StoredBodies.undeliverable(error))))
                .thenCompose(Function.identity())
                .thenCompose(forwarded -> {
                    CallbackSender.Delivery delivery = forwarded.delivery();
                    metrics.callback(delivery.delivered());
                    CallbackTask delivered = task.afterDelivery();
                    RetrySchedule.Policy policy =
                            retries.policyFor(request.retry(), request.target().route());
                    if (!delivery.delivered()
                            && delivery.retryable()
                            && delivered.callbackAttempts() < policy.maxAttempts()) {
                        Instant next = Instant.now()
                                .plus(retries.backoff(policy, delivered.callbackAttempts(), delivery.retryAfter()));
                        metrics.retried("callback");
                        // A large response is parked by reference; if it cannot be stored, the callback ends here.
                        return bodies.park(delivered)
                                .handle((parked, error) -> error == null
                                        ? scheduler.scheduleCallback(parked, next)
                                        : settled(task, forwarded))
                                .thenCompose(Function.identity());
                    }
                    return settled(task, forwarded);
                });
    }

    /**
     * The callback of {@code task} is settled: write the invocation record, then release what it stored. The record
     * gets the result as it was forwarded: a response parked in the object store has its body again there.
     */
    private CompletionStage<Void> settled(CallbackTask task, Forwarded forwarded) {
        return record(
                        task.request(),
                        task.acceptedAt(),
                        forwarded.result(),
                        task.condition(),
                        task.attempts(),
                        forwarded.delivery().outcome())
                .thenCompose(written -> bodies.release(task));
    }

    /** A callback delivery, and the target's result it forwarded. */
    private record Forwarded(AttemptResult result, CallbackSender.Delivery delivery) {}

    /** A parked callback came back: deliver it if due, else park it again. */
    private CompletionStage<Void> redeliverCallback(ConsumerRecord<String, byte[]> record) {
        CallbackTask task;
        try {
            task = mapper.readValue(record.value(), CallbackTask.class);
        } catch (IOException e) {
            LOG.errorf("unreadable parked callback at %s-%d: %s", record.topic(), record.partition(), e.toString());
            return outcomes.write(InvocationRecords.rejected(
                    Ulid.derived(record.timestamp(), record.topic() + "/" + record.partition() + "/" + record.offset()),
                    Instant.ofEpochMilli(record.timestamp()),
                    new InvocationRecord.Source(record.topic(), record.partition(), record.offset()),
                    record.value(),
                    "unreadable parked callback: " + e.getMessage()));
        }
        DeliveryState state = DeliveryState.of(record);
        if (state.nextAttemptAt() != null && state.nextAttemptAt().isAfter(Instant.now())) {
            return scheduler.scheduleCallback(task, state.nextAttemptAt());
        }
        return deliverCallback(task);
    }

    private CompletionStage<Void> record(
            InvocationRequest request,
            Instant acceptedAt,
            AttemptResult result,
            Condition condition,
            int attempts,
            CallbackOutcome callback) {
        InvocationRequest kept = replayable(request, condition);
        CompletionStage<Void> written = outcomes.write(
                        InvocationRecords.completed(
                                request,
                                acceptedAt,
                                result,
                                condition,
                                attempts,
                                callback,
                                recordResponseMaxBytes,
                                kept),
                        request.tenant())
                .thenRun(() -> metrics.completed(condition))
                // The invocation has ended and its record is durable: its stored body is no longer needed, unless the
                // failure record keeps the request for a replay, whose reference names it. That one stays for the
                // bucket's lifecycle rule (README, "Large bodies").
                .thenCompose(ignored ->
                        kept != null ? CompletableFuture.<Void>completedFuture(null) : bodies.release(request));
        // Leaving the lane only after the record is written, and before the offset can be committed: a crash in
        // between delivers the request again, which leaves the lane again.
        return request.orderingKey() == null ? written : written.thenCompose(ignored -> lanes.leave(request.id()));
    }

    /**
     * The request a failure record keeps so that the invocation can be replayed ({@code POST /v1/replays} on the
     * accepter), as it was stored: sensitive header values still sealed, a large body by reference. None on a success
     * record, and none for a request whose JSON is longer than {@code record-request-max-bytes}: the record must stay
     * within the topic's message size.
     */
    private InvocationRequest replayable(InvocationRequest request, Condition condition) {
        if (condition == Condition.SUCCESS) {
            return null;
        }
        try {
            return mapper.writeValueAsBytes(request).length <= recordRequestMaxBytes ? request : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** When the invocation gives up: {@code expiresAt}, or acceptance plus {@code maxAgeSeconds}; null for never. */
    private static Instant expiry(InvocationRequest request, Instant acceptedAt) {
        if (request.expiresAt() != null) {
            return request.expiresAt();
        }
        return request.maxAgeSeconds() != null ? acceptedAt.plusSeconds(request.maxAgeSeconds()) : null;
    }

    /**
     * Not before: the scheduled next attempt if there is one, else the request's own deferral ({@code deliverAt}, or
     * acceptance plus {@code delaySeconds}), else now.
     */
    private static Instant due(InvocationRequest request, DeliveryState state) {
        if (state.nextAttemptAt() != null) {
            return state.nextAttemptAt();
        }
        if (request.deliverAt() != null) {
            return request.deliverAt();
        }
        if (request.delaySeconds() != null) {
            return state.acceptedAt().plusSeconds(request.delaySeconds());
        }
        return Instant.MIN;
    }

    /**
     * When the invocation asked to be called first: acceptance, or its own deferral ({@code deliverAt}, acceptance plus
     * {@code delaySeconds}) if later. A wait behind a limited target or a busy ordering key was not asked for: it
     * counts.
     */
    private static Instant requestedStart(InvocationRequest request, DeliveryState state) {
        Instant accepted = state.acceptedAt();
        Instant requested = request.deliverAt() != null
                ? request.deliverAt()
                : request.delaySeconds() != null ? accepted.plusSeconds(request.delaySeconds()) : accepted;
        return requested.isAfter(accepted) ? requested : accepted;
    }

    private static Optional<Duration> retryAfter(AttemptResult result) {
        return result instanceof AttemptResult.Responded responded
                ? RetrySchedule.parseRetryAfter(responded.retryAfter(), Instant.now())
                : Optional.empty();
    }
}
