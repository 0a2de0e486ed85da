package dev.courier.accepter.replay;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.record.Condition;
import dev.courier.common.request.Target;

/**
 * What a replay re-enqueues: the body of {@code POST /v1/replays}, read and valid.
 *
 * @param id the replay's id: the caller's, to run the same replay again without enqueueing anything twice, or a new
 *     ULID
 * @param from the window's start, inclusive: failure records with a timestamp at or after it
 * @param to the window's end, exclusive
 * @param condition only failures that ended with this condition; null: every condition but {@code Cancelled} (an
 *     invocation its caller cancelled is replayed only when asked for by name)
 * @param errorCode only failures with this {@code data.response.errorCode}; null for any
 * @param target the target to call instead of the original one; null to call the original
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplaySpec(String id, Instant from, Instant to, Condition condition, String errorCode, Target target) {

    /** Whether a failure that ended with {@code ended} and {@code code} is one this replay repeats. */
    boolean matches(Condition ended, String code) {
        if (ended == null || ended == Condition.SUCCESS) {
            return false;
        }
        boolean conditionMatches = condition == null ? ended != Condition.CANCELLED : condition == ended;
        return conditionMatches && (errorCode == null || errorCode.equals(code));
    }

    /** Whether a record written at {@code timestamp} (epoch milliseconds) is inside the window. */
    boolean covers(long timestamp) {
        return timestamp >= from.toEpochMilli() && timestamp < to.toEpochMilli();
    }
}
