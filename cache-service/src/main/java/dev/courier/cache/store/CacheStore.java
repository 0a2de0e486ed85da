package dev.courier.cache.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.state.ExpiryIndex;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.StateDb.Column;
import dev.courier.common.cache.CacheNamespaces;

/**
 * The generic cache: what applying the change log's writes in order produces, kept in {@link StateDb}'s
 * {@link Column#VALUES} column under {@code namespace/key}. One thread applies changes (the log follower); any thread
 * reads. It knows nothing of invocation status, which is a read model of its own.
 *
 * <p>Invariant: every decision depends only on the state built from earlier changes in log order and on the change
 * itself, never on the applying instance or its clock (expiry is judged against the change's own timestamp), so every
 * instance reaches the same state and the same decisions.
 */
@ApplicationScoped
public class CacheStore {

    private static final String COUNT_PREFIX = "count/";
    private static final byte[] BYTES_KEY = "bytes".getBytes(StandardCharsets.UTF_8);

    private final StateDb db;
    private final int maxEntriesPerNamespace;
    /** Entries per namespace, as stored in {@link Column#META}: the namespace cap is decided from these. */
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    public CacheStore(StateDb db, CacheConfig config) {
        this.db = db;
        this.maxEntriesPerNamespace = config.maxEntriesPerNamespace();
        recount();
    }

    /** Reads the counters kept with the state (after opening it, or after a snapshot was loaded into it). */
    public void recount() {
        counts.clear();
        entries.set(0);
        byte[] prefix = COUNT_PREFIX.getBytes(StandardCharsets.UTF_8);
        db.scan(Column.META, prefix, prefix, Integer.MAX_VALUE, (key, value) -> {
            String namespace = new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
            long count = ByteBuffer.wrap(value).getLong();
            counts.put(namespace, new AtomicLong(count));
            entries.addAndGet(count);
            return true;
        });
        byte[] stored = db.get(Column.META, BYTES_KEY);
        bytes.set(stored == null ? 0 : ByteBuffer.wrap(stored).getLong());
    }

    /**
     * Applies {@code change}, read at {@code partition}/{@code offset} with the record timestamp {@code at}, into
     * {@code batch}, and answers how it was decided.
     */
    public Decision apply(StateDb.Batch batch, CacheChange change, int partition, long offset, Instant at) {
        byte[] key = key(change.namespace(), change.key());
        byte[] stored = batch.get(Column.VALUES, key);
        CacheEntry current = stored == null ? null : CacheEntry.decode(stored);
        CacheEntry live = current == null || current.expiredAt(at) ? null : current;
        if (change.ifNoneMatch() && live != null) {
            return new Decision(Decision.Outcome.PRECONDITION_FAILED, live.etag());
        }
        if (change.ifMatch() != null && (live == null || !live.etag().equals(change.ifMatch()))) {
            return new Decision(Decision.Outcome.PRECONDITION_FAILED, live == null ? null : live.etag());
        }
        if (change.op() == CacheChange.Op.DELETE) {
            if (current != null) {
                remove(batch, change.namespace(), key, current);
            }
            return new Decision(live == null ? Decision.Outcome.NOT_FOUND : Decision.Outcome.DELETED, null);
        }
        if (current == null
                // Courier's own namespaces (idempotency keys, cancellations, lanes) are bounded by expiry, not a cap.
                && !CacheNamespaces.isInternal(change.namespace())
                && count(change.namespace()).get() >= maxEntriesPerNamespace) {
            return new Decision(Decision.Outcome.NAMESPACE_FULL, null);
        }
        String etag = partition + "-" + offset;
        CacheEntry entry = new CacheEntry(change.value(), change.contentType(), etag, change.expiresAt());
        batch.put(Column.VALUES, key, entry.encode());
        ExpiryIndex.update(batch, Column.VALUES, key, current == null ? null : current.expiresAt(), change.expiresAt());
        if (current == null) {
            adjust(batch, change.namespace(), 1);
        }
        addBytes(batch, entry.value().length - (current == null ? 0 : current.value().length));
        return new Decision(live == null ? Decision.Outcome.CREATED : Decision.Outcome.REPLACED, etag);
    }

    /** Removes the entry at {@code key} of the value column, which the expiry index says expired at {@code at}. */
    public void expire(StateDb.Batch batch, byte[] key, Instant at) {
        byte[] stored = batch.get(Column.VALUES, key);
        if (stored != null) {
            CacheEntry entry = CacheEntry.decode(stored);
            if (entry.expiresAt() != null && !entry.expiresAt().isAfter(at)) {
                String recordKey = new String(key, StandardCharsets.UTF_8);
                remove(batch, recordKey.substring(0, recordKey.indexOf('/')), key, entry);
                return;
            }
        }
        ExpiryIndex.remove(batch, Column.VALUES, key, at);
    }

    /** The live entry at {@code namespace}/{@code key}. */
    public Optional<CacheEntry> get(String namespace, String key) {
        byte[] stored = db.get(Column.VALUES, key(namespace, key));
        if (stored == null) {
            return Optional.empty();
        }
        CacheEntry entry = CacheEntry.decode(stored);
        return entry.expiredAt(Instant.now()) ? Optional.empty() : Optional.of(entry);
    }

    /** Up to {@code limit} live keys of {@code namespace} starting with {@code prefix}, after {@code cursor}, sorted. */
    public List<String> keys(String namespace, String prefix, String cursor, int limit) {
        List<String> keys = new ArrayList<>();
        byte[] start = key(namespace, prefix);
        byte[] from = cursor != null && cursor.compareTo(prefix) >= 0 ? successor(key(namespace, cursor)) : start;
        int skip = namespace.getBytes(StandardCharsets.UTF_8).length + 1;
        Instant now = Instant.now();
        db.scan(Column.VALUES, start, from, Integer.MAX_VALUE, (stored, value) -> {
            if (!CacheEntry.decode(value).expiredAt(now)) {
                keys.add(new String(stored, skip, stored.length - skip, StandardCharsets.UTF_8));
            }
            return keys.size() < limit;
        });
        return keys;
    }

    /** Entries held, expired ones not yet swept included. */
    public long entryCount() {
        return entries.get();
    }

    /** Bytes of values held, expired ones not yet swept included. */
    public long byteCount() {
        return bytes.get();
    }

    private void remove(StateDb.Batch batch, String namespace, byte[] key, CacheEntry entry) {
        batch.delete(Column.VALUES, key);
        ExpiryIndex.remove(batch, Column.VALUES, key, entry.expiresAt());
        adjust(batch, namespace, -1);
        addBytes(batch, -entry.value().length);
    }

    private void addBytes(StateDb.Batch batch, long delta) {
        batch.put(
                Column.META,
                BYTES_KEY,
                ByteBuffer.allocate(8).putLong(bytes.addAndGet(delta)).array());
    }

    private void adjust(StateDb.Batch batch, String namespace, int delta) {
        long count = count(namespace).addAndGet(delta);
        entries.addAndGet(delta);
        batch.put(
                Column.META,
                (COUNT_PREFIX + namespace).getBytes(StandardCharsets.UTF_8),
                ByteBuffer.allocate(8).putLong(count).array());
    }

    private AtomicLong count(String namespace) {
        return counts.computeIfAbsent(namespace, name -> new AtomicLong());
    }

    /** The stored key of {@code namespace}/{@code key}: namespaces cannot contain a slash, so the first one splits. */
    private static byte[] key(String namespace, String key) {
        return (namespace + "/" + key).getBytes(StandardCharsets.UTF_8);
    }

    /** The smallest key after {@code key}. */
    private static byte[] successor(byte[] key) {
        byte[] next = new byte[key.length + 1];
        System.arraycopy(key, 0, next, 0, key.length);
        return next;
    }
}
