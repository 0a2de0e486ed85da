package dev.courier.listener.cache;

import java.time.Instant;

/**
 * What the listener keeps in memory of one cache-service namespace, filled by {@link CacheFollower}: first the
 * namespace's entries as cache-service lists them, then every change the change log carries, in log order.
 * Implementations are called from the follower's thread only, but read from others.
 */
public interface CacheView {

    /** The namespace this view holds. */
    String namespace();

    /** Whether {@link #put} needs the stored values of the listed entries (a key alone is enough otherwise). */
    boolean needsValues();

    /** An entry was written: at start-up from the listing (with {@code expiresAt} unknown, null), then from the log. */
    void put(String key, byte[] value, Instant expiresAt);

    /** An entry was deleted. */
    void delete(String key);

    /** The view has caught up: the listing is loaded and the log has been read up to where it ended at start-up. */
    default void caughtUp() {}
}
