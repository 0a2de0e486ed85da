package dev.courier.listener.outcome;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

import dev.courier.common.id.Ulid;
import dev.courier.common.record.Condition;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.InvokeType;
import dev.courier.common.request.TargetType;
import dev.courier.listener.dispatch.AttemptResult;

/** Builds the invocation record (SPEC section 5) for each way an invocation ends. */
public final class InvocationRecords {
    private InvocationRecords() {}

    /**
     * The record of an invocation whose last attempt ended in {@code result} (null if none was made). For a request with
     * {@code recordResponse}, the target's answer goes into the record too, its body cut at {@code maxResponseBytes}.
     * {@code replayable} is the request to keep in the record so that it can be replayed (null for none): what a
     * failure record carries.
     */
    public static InvocationRecord completed(
            InvocationRequest request,
            Instant acceptedAt,
            AttemptResult result,
            Condition condition,
            int attempts,
            CallbackOutcome callback,
            int maxResponseBytes,
            InvocationRequest replayable) {
        Instant now = Instant.now();
        String status = null;
        String errorCode = null;
        String errorMessage = null;
        if (result instanceof AttemptResult.Responded responded) {
            status = Integer.toString(responded.status());
            if (!responded.succeeded()) {
                errorCode = responded.errorCode() != null ? responded.errorCode() : ErrorCodes.TARGET_RESPONSE_ERROR;
                errorMessage = responded.errorMessage() != null
                        ? responded.errorMessage()
                        : "the target answered " + responded.status();
            }
        } else if (result instanceof AttemptResult.Failed failed) {
            errorCode = failed.errorCode();
            errorMessage = failed.message();
        }
        if (condition == Condition.CANCELLED) {
            errorCode = ErrorCodes.CANCELLED;
            errorMessage = "cancelled by the caller before delivery";
        }
        if (condition == Condition.EVENT_AGE_EXCEEDED) {
            errorCode = ErrorCodes.EVENT_AGE_EXCEEDED;
            errorMessage = "not delivered before it expired"
                    + (errorMessage == null ? "" : "; the last attempt: " + errorMessage);
        }
        boolean function = request.target().type() == TargetType.FUNCTION;
        String functionId = function ? request.target().functionId() : null;
        // OCI's detached mode answers 202 once it has taken the call: a success, but of a hand-off, not of a run.
        boolean handedOff = function && request.invokeType() == InvokeType.DETACHED && condition == Condition.SUCCESS;
        return new InvocationRecord(
                Ulid.next(),
                InvocationRecord.VERSION,
                new InvocationRecord.Data(
                        null,
                        functionId,
                        null,
                        new InvocationRecord.CallIds(request.effectiveCorrelationId(), request.id()),
                        new InvocationRecord.Response(status, errorCode, errorMessage, now)),
                new InvocationRecord.Delivery(
                        request.id(),
                        condition,
                        attempts,
                        request.target(),
                        acceptedAt,
                        now,
                        Duration.between(acceptedAt, now).toMillis(),
                        callback,
                        null,
                        null,
                        handedOff ? Boolean.TRUE : null,
                        Boolean.TRUE.equals(request.recordResponse()) ? response(result, maxResponseBytes) : null,
                        request.replayOf(),
                        replayable));
    }

    /** The target's answer as a record keeps it, or null when it did not answer. */
    private static InvocationRecord.TargetResponse response(AttemptResult result, int maxBytes) {
        if (!(result instanceof AttemptResult.Responded responded)) {
            return null;
        }
        byte[] body = responded.body() == null ? new byte[0] : responded.body();
        boolean cut = body.length > maxBytes;
        byte[] kept = cut ? Arrays.copyOf(body, maxBytes) : body;
        return new InvocationRecord.TargetResponse(
                responded.contentType(),
                Base64.getEncoder().encodeToString(kept),
                cut || responded.truncated() ? Boolean.TRUE : null);
    }

    /**
     * The record of a record on the requests topic that is not a valid request. It keeps the record's value and
     * position, so that nothing read is dropped unseen.
     */
    public static InvocationRecord rejected(
            String invocationId, Instant acceptedAt, InvocationRecord.Source source, byte[] value, String reason) {
        Instant now = Instant.now();
        return new InvocationRecord(
                Ulid.next(),
                InvocationRecord.VERSION,
                new InvocationRecord.Data(
                        null,
                        null,
                        null,
                        new InvocationRecord.CallIds(invocationId, invocationId),
                        new InvocationRecord.Response(null, ErrorCodes.INVALID_REQUEST, reason, now)),
                new InvocationRecord.Delivery(
                        invocationId,
                        Condition.REJECTED,
                        0,
                        null,
                        acceptedAt,
                        now,
                        Duration.between(acceptedAt, now).toMillis(),
                        null,
                        source,
                        value == null ? null : Base64.getEncoder().encodeToString(value),
                        null,
                        null,
                        null,
                        null));
    }
}
