package dev.courier.common.status;

/**
 * Where an invocation is in its life (SPEC section 6): {@code ACCEPTED → SCHEDULED → DISPATCHING → RETRYING →
 * SUCCEEDED | FAILED | EXPIRED | CANCELLED}.
 */
public enum InvocationStatus {
    /** Durably stored in Kafka; not yet picked up. */
    ACCEPTED,
    /** Waiting for its delivery time in a delay tier. */
    SCHEDULED,
    /** A call to the target is in flight. */
    DISPATCHING,
    /** An attempt failed with a retryable outcome; the next one is scheduled. */
    RETRYING,
    /** The target answered with success. */
    SUCCEEDED,
    /** The target refused the call, or every attempt failed. */
    FAILED,
    /** Not delivered before its expiry. */
    EXPIRED,
    /** Cancelled by the caller before delivery. */
    CANCELLED;

    /** Whether nothing more will happen to the invocation. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == EXPIRED || this == CANCELLED;
    }
}
