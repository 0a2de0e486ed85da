package dev.courier.listener.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.id.Ulid;
import dev.courier.common.record.Condition;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.TargetType;
import dev.courier.listener.callback.CallbackSender;
import dev.courier.listener.consume.RequestDecoder;
import dev.courier.listener.consume.RequestDecoder.Decoded;
import dev.courier.listener.outcome.InvocationRecords;
import dev.courier.listener.outcome.OutcomeWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Takes one {@code courier.requests} record to its terminal outcome: read it, call the target, forward the response to
 * the callback address, and write the invocation record.
 *
 * <p>Contract: the returned stage completes only once the outcome is durably written, and it does not fail; a record
 * that cannot be read, and even an unexpected error, still ends in a record on the failures topic. The consumer
 * commits the record's offset only after that.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final RequestDecoder decoder;
    private final HttpInvoker http;
    private final CallbackSender callbacks;
    private final OutcomeWriter outcomes;
    private final DeliveryMetrics metrics;

    public Dispatcher(
            RequestDecoder decoder,
            HttpInvoker http,
            CallbackSender callbacks,
            OutcomeWriter outcomes,
            DeliveryMetrics metrics) {
        this.decoder = decoder;
        this.http = http;
        this.callbacks = callbacks;
        this.outcomes = outcomes;
        this.metrics = metrics;
    }

    /** Delivers the request in {@code record}; completes when its outcome is durable. */
    public CompletionStage<Void> dispatch(ConsumerRecord<String, byte[]> record) {
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
        CompletionStage<Void> delivered;
        try {
            delivered = deliver(request, acceptedAt);
        } catch (RuntimeException e) {
            delivered = CompletableFuture.failedFuture(e);
        }
        return delivered.exceptionallyCompose(error -> {
            LOG.errorf(error, "unexpected error delivering invocation %s at %s", request.id(), source);
            AttemptResult.Failed failure = new AttemptResult.Failed(
                    ErrorCodes.INTERNAL_ERROR, "internal error: " + error, false, Duration.ZERO);
            return outcomes.write(
                    InvocationRecords.completed(request, acceptedAt, failure, Condition.REJECTED, 0, null));
        });
    }

    private CompletionStage<Void> deliver(InvocationRequest request, Instant acceptedAt) {
        final int attempt = 1;
        return invoke(request, attempt).thenCompose(result -> {
            metrics.attempted(request, result);
            Condition condition = conditionOf(result);
            CompletionStage<CallbackOutcome> callback = request.callback() == null
                    ? CompletableFuture.completedFuture(null)
                    : callbacks.send(request, result, condition, attempt).thenApply(outcome -> {
                        metrics.callback(outcome.error() == null);
                        return outcome;
                    });
            return callback.thenCompose(callbackOutcome -> outcomes.write(InvocationRecords.completed(
                            request, acceptedAt, result, condition, attempt, callbackOutcome)))
                    .thenRun(() -> metrics.completed(condition));
        });
    }

    private CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt) {
        if (request.target().type() == TargetType.HTTP && request.target().url() != null) {
            return http.invoke(request, attempt);
        }
        String what = request.target().type() == TargetType.HTTP ? "named routes" : "function targets";
        return CompletableFuture.completedFuture(new AttemptResult.Failed(
                ErrorCodes.UNSUPPORTED_TARGET, "this listener has no " + what + " configured", false, Duration.ZERO));
    }

    /**
     * The terminal condition after an attempt. One attempt per invocation for now: a retryable failure exhausts it.
     */
    private static Condition conditionOf(AttemptResult result) {
        if (result.succeeded()) {
            return Condition.SUCCESS;
        }
        return result.retryable() ? Condition.RETRIES_EXHAUSTED : Condition.REJECTED;
    }
}
