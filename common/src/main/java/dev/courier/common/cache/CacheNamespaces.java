package dev.courier.common.cache;

/** The cache-service namespaces Courier itself uses; shared by the services that read or write them. */
public final class CacheNamespaces {
    private CacheNamespaces() {}

    /** Invocation status documents (SPEC section 6), keyed by invocation id; projected, never written by clients. */
    public static final String STATUS = "courier.status";

    /** Cancellation markers, keyed by invocation id; the listener follows them through the change log. */
    public static final String CANCELLATIONS = "courier.cancellations";

    /** Idempotency keys of {@code POST /v1/invocations}, keyed by a digest of tenant and key. */
    public static final String IDEMPOTENCY = "courier.idempotency";

    /**
     * Ordering-key lanes: one entry per unfinished invocation that has an ordering key, keyed by invocation id, its
     * value the key and the invocation's place in line. The listener writes them and follows them through the change
     * log.
     */
    public static final String LANES = "courier.lanes";

    /**
     * Replays of failed invocations ({@code POST /v1/replays}): each replay's progress document, keyed by replay id,
     * written by the accepter replica that runs it.
     */
    public static final String REPLAYS = "courier.replays";

    /**
     * Cron schedules of {@code /v1/schedules}, keyed by schedule id: the definition, its request template, and the last
     * fire time and fire count. The accepter writes and reads them; no expiry.
     */
    public static final String SCHEDULES = "courier.schedules";

    /** What every namespace of Courier's own begins with: only Courier's service identity reads or writes them. */
    public static final String INTERNAL_PREFIX = "courier.";

    /**
     * Between a tenant and its namespace in the stored name ({@code acme~orders}): a character no namespace a caller
     * names may contain, so one tenant's stored names can never be spelled by another.
     */
    public static final char TENANT_SEPARATOR = '~';

    /** Whether {@code namespace} (as stored) is one of Courier's own. */
    public static boolean isInternal(String namespace) {
        return namespace.startsWith(INTERNAL_PREFIX) && namespace.indexOf(TENANT_SEPARATOR) < 0;
    }
}
