package dev.courier.common.record;

/**
 * Names of the Kafka record headers that carry an invocation's delivery state from one hand-off to the next
 * ({@code courier.requests} → a delay tier → back). Because the state travels with the record, it survives listener
 * restarts and rebalances; no listener keeps it. Values are UTF-8 text.
 */
public final class DeliveryHeaders {
    private DeliveryHeaders() {}

    /** Attempts already made, a decimal integer; absent means none. */
    public static final String ATTEMPTS = "courier-attempts";

    /** When the request was accepted, RFC 3339; absent means the record's own timestamp (a first hand-off). */
    public static final String ACCEPTED_AT = "courier-accepted-at";

    /** When the first attempt was made, RFC 3339; absent before it. */
    public static final String FIRST_ATTEMPT_AT = "courier-first-attempt-at";

    /** Not before this instant, RFC 3339: the next attempt of a retry, or a deferred first attempt. */
    public static final String NEXT_ATTEMPT_AT = "courier-next-attempt-at";

    /** The dispatch slot a target's rate limit reserved for this call, RFC 3339; absent when none is held. */
    public static final String RATE_SLOT = "courier-rate-slot";

    /**
     * Where an invocation with an ordering key stands in its key's lane: {@code partition:offset} of its first record
     * on {@code courier.requests}. Absent on that first record, whose own position it is.
     */
    public static final String LANE_POSITION = "courier-lane-position";
}
