package dev.courier.common.http;

/** Names of the HTTP headers Courier reads and writes (SPEC sections 3 and 4). */
public final class CourierHeaders {
    private CourierHeaders() {}

    /** On every call to a target: the invocation id, so that a retried or redelivered call can be made harmless. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** On every call to a target: which attempt this is, from 1. */
    public static final String ATTEMPT = "Courier-Attempt";

    /** On calls to targets and callbacks, and in error bodies: the conversation id. */
    public static final String CORRELATION_ID = "Courier-Correlation-Id";

    /** On a callback: the invocation it reports on. */
    public static final String INVOCATION_ID = "Courier-Invocation-Id";

    /** On a callback: the target's HTTP status. */
    public static final String STATUS = "Courier-Status";

    /** On a callback: the invocation's terminal condition ({@code Success}, {@code RetriesExhausted}, ...). */
    public static final String CONDITION = "Courier-Condition";

    /** On a callback: how many attempts were made. */
    public static final String ATTEMPTS = "Courier-Attempts";

    /** OCI's request id; an incoming one becomes the correlation id when the request names none. */
    public static final String OPC_REQUEST_ID = "opc-request-id";

    /** W3C trace context; its trace id becomes the correlation id when neither it nor opc-request-id is given. */
    public static final String TRACEPARENT = "traceparent";

    /** Media type of RFC 9457 problem documents. */
    public static final String PROBLEM_JSON = "application/problem+json";
}
