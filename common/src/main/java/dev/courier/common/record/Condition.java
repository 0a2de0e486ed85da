package dev.courier.common.record;

import com.fasterxml.jackson.annotation.JsonValue;

/** How an invocation ended; {@code courier.condition} of an invocation record and the callback's header. */
public enum Condition {
    /** The target answered with a 2xx (or, for a detached function, OCI accepted it). */
    SUCCESS("Success"),
    /** Every allowed attempt ended with a retryable failure (timeout, connection error, 408, 429, 5xx). */
    RETRIES_EXHAUSTED("RetriesExhausted"),
    /** The invocation was not delivered before {@code expiresAt} / {@code maxAgeSeconds}. */
    EVENT_AGE_EXCEEDED("EventAgeExceeded"),
    /** The caller cancelled the invocation before it was delivered. */
    CANCELLED("Cancelled"),
    /**
     * The invocation cannot succeed by trying again: the record is not a valid request, the target is not allowed,
     * or the target refused it with a final 4xx.
     */
    REJECTED("Rejected");

    private final String wireName;

    Condition(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the wire and in the {@code Courier-Condition} header, e.g. {@code RetriesExhausted}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }
}
