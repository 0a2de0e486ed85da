package dev.courier.common.http;

/** Names of the HTTP headers Courier reads and writes (SPEC sections 3 and 4). */
public final class CourierHeaders {
    private CourierHeaders() {}

    /** On every call to a target: the invocation id, so that a retried or redelivered call can be made harmless. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** On every call to a target: which attempt this is, from 1. */
    public static final String ATTEMPT = "Courier-Attempt";

    /** On calls to targets and callbacks, and in error bodies: the conversation id; a relay control header too. */
    public static final String CORRELATION_ID = "Courier-Correlation-Id";

    /** On a callback: the invocation it reports on. */
    public static final String INVOCATION_ID = "Courier-Invocation-Id";

    /** On a callback: the target's HTTP status. */
    public static final String STATUS = "Courier-Status";

    /** On a callback: the invocation's terminal condition ({@code Success}, {@code RetriesExhausted}, ...). */
    public static final String CONDITION = "Courier-Condition";

    /** On a callback: how many attempts were made. */
    public static final String ATTEMPTS = "Courier-Attempts";

    /** Relay control header: never deliver before this RFC 3339 instant ({@code deliverAt}). */
    public static final String DELIVER_AT = "Courier-Deliver-At";

    /** Relay control header: where the target's response is forwarded ({@code callback.url}). */
    public static final String CALLBACK = "Courier-Callback";

    /** Relay control header: the per-attempt timeout in seconds ({@code timeoutSeconds}). */
    public static final String TIMEOUT = "Courier-Timeout";

    /** Relay control header: attempts in all ({@code retry.maxAttempts}). */
    public static final String MAX_ATTEMPTS = "Courier-Max-Attempts";

    /** Relay control header: the ordering key ({@code orderingKey}). */
    public static final String ORDERING_KEY = "Courier-Ordering-Key";

    /** On a callback or a waited-for answer: the target's response was cut at the configured maximum. */
    public static final String RESPONSE_TRUNCATED = "Courier-Response-Truncated";

    /** OCI's request id; an incoming one becomes the correlation id when the request names none. */
    public static final String OPC_REQUEST_ID = "opc-request-id";

    /** W3C trace context; its trace id becomes the correlation id when neither it nor opc-request-id is given. */
    public static final String TRACEPARENT = "traceparent";

    /** Media type of RFC 9457 problem documents. */
    public static final String PROBLEM_JSON = "application/problem+json";
}
