package dev.courier.cache.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One stored value.
 *
 * @param value the bytes as written
 * @param contentType the media type they were written with
 * @param etag the version: {@code "<partition>-<offset>"} of the change that wrote it, the same on every instance
 * @param expiresAt when it stops being readable (millisecond precision), or null
 */
public record CacheEntry(byte[] value, String contentType, String etag, Instant expiresAt) {
    private static final long NEVER = Long.MIN_VALUE;

    /** Whether the entry has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** The entry as stored: expiry, ETag, content type, then the value's bytes as they are. */
    byte[] encode() {
        byte[] etagBytes = etag.getBytes(StandardCharsets.UTF_8);
        byte[] type = contentType == null ? new byte[0] : contentType.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 2 + etagBytes.length + 2 + type.length + value.length)
                .putLong(expiresAt == null ? NEVER : expiresAt.toEpochMilli())
                .putShort((short) etagBytes.length)
                .put(etagBytes)
                .putShort((short) (contentType == null ? -1 : type.length))
                .put(type)
                .put(value)
                .array();
    }

    /** An entry as {@link #encode} stored it. */
    static CacheEntry decode(byte[] stored) {
        ByteBuffer buffer = ByteBuffer.wrap(stored);
        long expiry = buffer.getLong();
        byte[] etag = new byte[buffer.getShort()];
        buffer.get(etag);
        short typeLength = buffer.getShort();
        byte[] type = new byte[Math.max(0, typeLength)];
        buffer.get(type);
        byte[] value = new byte[buffer.remaining()];
        buffer.get(value);
        return new CacheEntry(
                value,
                typeLength < 0 ? null : new String(type, StandardCharsets.UTF_8),
                new String(etag, StandardCharsets.UTF_8),
                expiry == NEVER ? null : Instant.ofEpochMilli(expiry));
    }
}
