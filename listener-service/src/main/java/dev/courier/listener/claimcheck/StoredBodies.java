package dev.courier.listener.claimcheck;

import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.record.ErrorCodes;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.BodyReference;
import dev.courier.common.request.InvocationRequest;
import dev.courier.listener.callback.CallbackSender;
import dev.courier.listener.callback.CallbackTask;
import dev.courier.listener.dispatch.AttemptResult;
import dev.courier.oci.storage.ClaimCheck;
import org.jboss.logging.Logger;

/**
 * The listener's side of the claim check: a request body stored by the accepter (or a direct producer) is fetched
 * for each attempt and deleted once the invocation has ended; a response too large to park with a callback is stored
 * until the callback is settled.
 *
 * <p>Requests and callback tasks keep their references while they wait and travel (delay tiers, parked callbacks);
 * only the call itself gets the bytes. A stored object is deleted after the invocation's record is durable; a delete
 * that fails leaves the object for the bucket's lifecycle rule and is logged, it never holds up the record.
 */
@ApplicationScoped
public class StoredBodies {
    private static final Logger LOG = Logger.getLogger(StoredBodies.class);

    private final ClaimCheck claimCheck;

    public StoredBodies(ClaimCheck claimCheck) {
        this.claimCheck = claimCheck;
    }

    /**
     * Makes {@code call} with {@code request}'s stored body in place. A body that cannot be had is a failed attempt:
     * retryable when the store failed, final when the object is gone or does not match its reference.
     */
    public CompletionStage<AttemptResult> attempt(
            InvocationRequest request, Function<InvocationRequest, CompletionStage<AttemptResult>> call) {
        if (request.bodyRef() == null) {
            return call.apply(request);
        }
        return claimCheck
                .claim(request)
                .handle((claimed, error) -> error == null
                        ? call.apply(claimed)
                        : CompletableFuture.completedFuture(unavailable(request.id(), error)))
                .thenCompose(Function.identity());
    }

    /** Deletes {@code request}'s stored body, if it has one; the invocation has ended and its record is durable. */
    public CompletionStage<Void> release(InvocationRequest request) {
        return release(request.bodyRef());
    }

    /**
     * {@code task} as it is to be parked: its response body stored as {@code responses/<invocation id>} when it is
     * larger than the claim-check threshold, else unchanged.
     */
    public CompletionStage<CallbackTask> park(CallbackTask task) {
        CallbackTask.TargetOutcome outcome = task.outcome();
        if (outcome == null
                || outcome.bodyBase64() == null
                || outcome.bodyBase64().length() <= claimCheck.threshold()) {
            return CompletableFuture.completedFuture(task);
        }
        return claimCheck
                .store(
                        ClaimCheck.RESPONSES + task.request().id(),
                        Base64.getDecoder().decode(outcome.bodyBase64()),
                        BodyReference.Format.BINARY)
                .thenApply(task::withStoredResponse);
    }

    /** The target's last answer in {@code task}, with a stored response body fetched; fails when it cannot be had. */
    public CompletionStage<AttemptResult> response(CallbackTask task) {
        AttemptResult result = task.result();
        if (task.outcome() == null
                || task.outcome().bodyRef() == null
                || !(result instanceof AttemptResult.Responded responded)) {
            return CompletableFuture.completedFuture(result);
        }
        return claimCheck
                .fetch(task.outcome().bodyRef())
                .thenApply(body -> new AttemptResult.Responded(
                        responded.status(),
                        responded.contentType(),
                        body,
                        responded.truncated(),
                        responded.retryAfter(),
                        responded.elapsed()));
    }

    /** Deletes what {@code task} stored: its response body, if it is stored; its callback has been settled. */
    public CompletionStage<Void> release(CallbackTask task) {
        return release(task.outcome() == null ? null : task.outcome().bodyRef());
    }

    /** A callback whose stored response cannot be had: not delivered; retryable when the store failed. */
    public static CallbackSender.Delivery undeliverable(Throwable error) {
        Throwable cause = cause(error);
        boolean retryable = cause instanceof ClaimCheck.StoredBodyException stored && stored.retryable();
        return new CallbackSender.Delivery(
                new CallbackOutcome(null, "the response kept for the callback: " + cause.getMessage()),
                retryable,
                Optional.empty());
    }

    private CompletionStage<Void> release(BodyReference reference) {
        if (reference == null) {
            return CompletableFuture.completedFuture(null);
        }
        return claimCheck.release(reference).handle((existed, error) -> {
            if (error != null) {
                LOG.warnf(
                        "could not delete the stored body %s (the bucket's lifecycle rule will): %s",
                        reference.object(), cause(error).toString());
            }
            return null;
        });
    }

    private static AttemptResult unavailable(String invocationId, Throwable error) {
        Throwable cause = cause(error);
        boolean retryable = cause instanceof ClaimCheck.StoredBodyException stored && stored.retryable();
        LOG.warnf("invocation %s: its stored body cannot be had: %s", invocationId, cause.getMessage());
        return new AttemptResult.Failed(
                retryable ? ErrorCodes.INTERNAL_ERROR : ErrorCodes.INVALID_REQUEST,
                cause.getMessage(),
                retryable,
                Duration.ZERO);
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
