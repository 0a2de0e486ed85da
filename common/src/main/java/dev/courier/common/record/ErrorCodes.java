package dev.courier.common.record;

/** Values of {@code data.response.errorCode} in an invocation record, alongside OCI's own codes. */
public final class ErrorCodes {
    private ErrorCodes() {}

    /** The target answered with a status that is not 2xx. */
    public static final String TARGET_RESPONSE_ERROR = "TargetResponseError";

    /** The target did not answer within the per-attempt timeout. */
    public static final String TARGET_TIMEOUT = "TargetTimeout";

    /** No connection to the target could be made (refused, reset, unknown host, TLS failure). */
    public static final String TARGET_UNREACHABLE = "TargetUnreachable";

    /** The target's address is not one Courier may call (SSRF protection) and no configured route allows it. */
    public static final String TARGET_NOT_ALLOWED = "TargetNotAllowed";

    /** This listener cannot call this kind of target (yet): no invoker or route is configured for it. */
    public static final String UNSUPPORTED_TARGET = "UnsupportedTarget";

    /** Courier failed while delivering; the invocation is recorded instead of being dropped. */
    public static final String INTERNAL_ERROR = "InternalError";

    /** The invocation was not delivered before its {@code expiresAt} / {@code maxAgeSeconds}. */
    public static final String EVENT_AGE_EXCEEDED = "EventAgeExceeded";

    /** The caller cancelled the invocation before it was delivered. */
    public static final String CANCELLED = "Cancelled";

    /** The record on the requests topic is not a valid invocation request. */
    public static final String INVALID_REQUEST = "InvalidRequest";

    /**
     * A request a producer published straight to Kafka whose {@code idempotencyKey} already names another invocation
     * within the window: it is recorded with this code and not delivered (condition {@code Rejected}).
     */
    public static final String DUPLICATE_REQUEST = "DuplicateRequest";

    /**
     * A request a producer published straight to Kafka with an {@code idempotencyKey}, read by a listener that has no
     * cache-service to claim keys in: refused rather than delivered without its key (condition {@code Rejected}).
     */
    public static final String IDEMPOTENCY_UNAVAILABLE = "IdempotencyKeyUnsupported";
}
