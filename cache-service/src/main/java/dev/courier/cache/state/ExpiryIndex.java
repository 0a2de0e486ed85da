package dev.courier.cache.state;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The expiry index: one key per entry that expires, {@code <expiry millis><column><key>}, in {@link StateDb.Column#EXPIRY},
 * so that sweeping reads only what has expired, in time order, however large the state is.
 *
 * <p>Invariant: an entry's index key is replaced in the same batch as the entry, so the index names exactly the
 * entries that expire, each once, at the time it holds now.
 */
public final class ExpiryIndex {
    private ExpiryIndex() {}

    /** In {@code batch}: {@code key} of {@code column} now expires at {@code expiresAt} (null: never), not {@code before}. */
    public static void update(
            StateDb.Batch batch, StateDb.Column column, byte[] key, Instant before, Instant expiresAt) {
        if (before != null && !before.equals(expiresAt)) {
            batch.delete(StateDb.Column.EXPIRY, indexKey(before, column, key));
        }
        if (expiresAt != null && !expiresAt.equals(before)) {
            batch.put(StateDb.Column.EXPIRY, indexKey(expiresAt, column, key), new byte[0]);
        }
    }

    /** In {@code batch}: {@code key} of {@code column}, which expired at {@code expiresAt}, is gone. */
    public static void remove(StateDb.Batch batch, StateDb.Column column, byte[] key, Instant expiresAt) {
        if (expiresAt != null) {
            batch.delete(StateDb.Column.EXPIRY, indexKey(expiresAt, column, key));
        }
    }

    /** Up to {@code limit} entries that expired before {@code now}, oldest first. */
    public static List<Expired> expiredBefore(StateDb db, Instant now, int limit) {
        List<Expired> expired = new ArrayList<>();
        byte[] from = new byte[0];
        db.scan(StateDb.Column.EXPIRY, from, from, limit, (indexKey, ignored) -> {
            ByteBuffer buffer = ByteBuffer.wrap(indexKey);
            long millis = buffer.getLong();
            if (millis >= now.toEpochMilli()) {
                return false; // the index is in time order: nothing further has expired
            }
            StateDb.Column column = StateDb.Column.values()[buffer.get()];
            byte[] key = new byte[buffer.remaining()];
            buffer.get(key);
            expired.add(new Expired(column, key, Instant.ofEpochMilli(millis)));
            return true;
        });
        return expired;
    }

    private static byte[] indexKey(Instant expiresAt, StateDb.Column column, byte[] key) {
        // Millisecond precision is what every stored expiry has; negative instants do not occur.
        return ByteBuffer.allocate(9 + key.length)
                .putLong(expiresAt.toEpochMilli())
                .put((byte) column.ordinal())
                .put(key)
                .array();
    }

    /**
     * An entry whose time is up.
     *
     * @param column its column
     * @param key its key
     * @param expiresAt when it expired
     */
    public record Expired(StateDb.Column column, byte[] key, Instant expiresAt) {}
}
