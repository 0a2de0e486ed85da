package dev.courier.listener.callback;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.record.Condition;
import dev.courier.common.request.BodyReference;
import dev.courier.common.request.InvocationRequest;
import dev.courier.listener.dispatch.AttemptResult;

/**
 * A callback still to be delivered, parked in a delay tier between its attempts. It holds everything needed to send
 * the callback again and then write the invocation record; it travels as the value of a record marked with
 * {@link #KIND_HEADER} = {@value #KIND}, and is internal to the listener.
 *
 * @param request the invocation request (its id, correlation id and callback address)
 * @param condition how the invocation ended
 * @param attempts attempts made on the target
 * @param acceptedAt when the invocation was accepted
 * @param outcome the target's last answer, null if it never answered
 * @param callbackAttempts callback deliveries tried so far
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CallbackTask(
        InvocationRequest request,
        Condition condition,
        int attempts,
        Instant acceptedAt,
        TargetOutcome outcome,
        int callbackAttempts) {

    /** Record header that tells a parked callback from an invocation request. */
    public static final String KIND_HEADER = "courier-kind";

    /** {@link #KIND_HEADER}'s value for a callback task. */
    public static final String KIND = "callback";

    /** The task for {@code result} (null when no attempt was made), before any callback delivery. */
    public static CallbackTask of(
            InvocationRequest request, AttemptResult result, Condition condition, int attempts, Instant acceptedAt) {
        return new CallbackTask(request, condition, attempts, acceptedAt, TargetOutcome.of(result), 0);
    }

    /** This task after one more callback delivery. */
    public CallbackTask afterDelivery() {
        return new CallbackTask(request, condition, attempts, acceptedAt, outcome, callbackAttempts + 1);
    }

    /**
     * The target's last answer as an attempt result again, or null. A response kept in the object store comes back
     * with an empty body here: {@code StoredBodies.response} fetches it.
     */
    public AttemptResult result() {
        return outcome == null ? null : outcome.toResult();
    }

    /** This task with the response body stored out of band, as {@code reference}. */
    public CallbackTask withStoredResponse(BodyReference reference) {
        return new CallbackTask(
                request, condition, attempts, acceptedAt, outcome.withStoredBody(reference), callbackAttempts);
    }

    /**
     * What the target answered, or how the last attempt failed.
     *
     * @param status HTTP status, null when the target never answered
     * @param contentType the response's media type
     * @param bodyBase64 the response body
     * @param bodyRef the response body kept in the object store instead, when it is too large for a record
     * @param truncated whether the body was cut
     * @param errorCode for an attempt without an answer, or the target's own error code with its answer
     * @param errorMessage for an attempt without an answer, or the target's own error message with its answer
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TargetOutcome(
            Integer status,
            String contentType,
            String bodyBase64,
            BodyReference bodyRef,
            Boolean truncated,
            String errorCode,
            String errorMessage) {

        static TargetOutcome of(AttemptResult result) {
            if (result instanceof AttemptResult.Responded responded) {
                return new TargetOutcome(
                        responded.status(),
                        responded.contentType(),
                        Base64.getEncoder().encodeToString(responded.body()),
                        null,
                        responded.truncated(),
                        responded.errorCode(),
                        responded.errorMessage());
            }
            if (result instanceof AttemptResult.Failed failed) {
                return new TargetOutcome(null, null, null, null, null, failed.errorCode(), failed.message());
            }
            return null;
        }

        /** This outcome with its body stored out of band, as {@code reference}. */
        TargetOutcome withStoredBody(BodyReference reference) {
            return new TargetOutcome(status, contentType, null, reference, truncated, errorCode, errorMessage);
        }

        AttemptResult toResult() {
            if (status != null) {
                return new AttemptResult.Responded(
                        status,
                        contentType,
                        bodyBase64 == null ? new byte[0] : Base64.getDecoder().decode(bodyBase64),
                        Boolean.TRUE.equals(truncated),
                        null,
                        Duration.ZERO,
                        errorCode,
                        errorMessage);
            }
            return new AttemptResult.Failed(errorCode, errorMessage, false, Duration.ZERO);
        }
    }
}
