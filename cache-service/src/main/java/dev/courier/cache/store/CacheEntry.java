package dev.courier.cache.store;

import java.time.Instant;

/**
 * One stored value.
 *
 * @param value the bytes as written
 * @param contentType the media type they were written with
 * @param etag the version: {@code "<partition>-<offset>"} of the change that wrote it, the same on every instance
 * @param expiresAt when it stops being readable, or null
 * @param partition the change-log partition the key lives in
 */
public record CacheEntry(byte[] value, String contentType, String etag, Instant expiresAt, int partition) {

    /** Whether the entry has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
