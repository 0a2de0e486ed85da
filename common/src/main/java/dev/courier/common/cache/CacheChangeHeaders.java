package dev.courier.common.cache;

/**
 * The record headers of {@code courier.cache.changes} (the record key is {@code namespace/key}, the value the stored
 * bytes). cache-service writes and applies them; the listener follows them to learn of cancellations.
 */
public final class CacheChangeHeaders {
    private CacheChangeHeaders() {}

    /** {@code PUT}, {@code DELETE}, or {@code STATUS} (a batch of invocation statuses for the status read model). */
    public static final String OP = "op";

    /** Media type of the value. */
    public static final String CONTENT_TYPE = "content-type";

    /** RFC 3339 instant after which the value is gone. */
    public static final String EXPIRES_AT = "expires-at";

    /** The write applies only if the current ETag is this. */
    public static final String IF_MATCH = "if-match";

    /** {@code *}: the write applies only if the key has no value. */
    public static final String IF_NONE_MATCH = "if-none-match";

    /** Identifies the write for the instance that appended it. */
    public static final String REQUEST_ID = "request-id";
}
