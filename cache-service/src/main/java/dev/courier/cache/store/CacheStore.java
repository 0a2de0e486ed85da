package dev.courier.cache.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.status.StatusDocument;

/**
 * The materialized cache: what applying the change log in order produces. One thread applies changes (the log
 * follower); any thread reads.
 *
 * <p>Invariant: every decision depends only on the state built from earlier changes in log order and on the change
 * itself, never on the applying instance or its clock (expiry is judged against the change's own timestamp), so every
 * instance reaches the same state and the same decisions.
 */
@ApplicationScoped
public class CacheStore {
    private final int maxEntriesPerNamespace;
    private final Map<String, NavigableMap<String, CacheEntry>> namespaces = new ConcurrentHashMap<>();
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    public CacheStore(CacheConfig config) {
        this.maxEntriesPerNamespace = config.maxEntriesPerNamespace();
    }

    /**
     * Applies {@code change}, read at {@code partition}/{@code offset} with the record timestamp {@code at}, and
     * answers how it was decided.
     */
    public Decision apply(CacheChange change, int partition, long offset, Instant at) {
        NavigableMap<String, CacheEntry> namespace =
                namespaces.computeIfAbsent(change.namespace(), name -> new ConcurrentSkipListMap<>());
        CacheEntry current = namespace.get(change.key());
        CacheEntry live = current == null || current.expiredAt(at) ? null : current;
        if (change.ifNoneMatch() && live != null) {
            return new Decision(Decision.Outcome.PRECONDITION_FAILED, live.etag());
        }
        if (change.ifMatch() != null && (live == null || !live.etag().equals(change.ifMatch()))) {
            return new Decision(Decision.Outcome.PRECONDITION_FAILED, live == null ? null : live.etag());
        }
        if (change.op() == CacheChange.Op.DELETE) {
            if (live == null) {
                remove(namespace, change.key(), current);
                return new Decision(Decision.Outcome.NOT_FOUND, null);
            }
            remove(namespace, change.key(), current);
            return new Decision(Decision.Outcome.DELETED, null);
        }
        if (change.op() == CacheChange.Op.MERGE_STATUS) {
            StatusDocument merged = StatusDocument.merge(
                    live == null ? null : StatusDocument.fromJson(live.value()),
                    StatusDocument.fromJson(change.value()));
            String etag = partition + "-" + offset;
            put(
                    namespace,
                    change.key(),
                    new CacheEntry(merged.toJson(), "application/json", etag, change.expiresAt(), partition));
            return new Decision(live == null ? Decision.Outcome.CREATED : Decision.Outcome.REPLACED, etag);
        }
        if (current == null && namespace.size() >= maxEntriesPerNamespace) {
            return new Decision(Decision.Outcome.NAMESPACE_FULL, null);
        }
        String etag = partition + "-" + offset;
        put(
                namespace,
                change.key(),
                new CacheEntry(change.value(), change.contentType(), etag, change.expiresAt(), partition));
        return new Decision(live == null ? Decision.Outcome.CREATED : Decision.Outcome.REPLACED, etag);
    }

    /** The live entry at {@code namespace}/{@code key}. */
    public Optional<CacheEntry> get(String namespace, String key) {
        NavigableMap<String, CacheEntry> entries = namespaces.get(namespace);
        CacheEntry entry = entries == null ? null : entries.get(key);
        return entry == null || entry.expiredAt(Instant.now()) ? Optional.empty() : Optional.of(entry);
    }

    /** Up to {@code limit} live keys of {@code namespace} starting with {@code prefix}, after {@code cursor}, sorted. */
    public List<String> keys(String namespace, String prefix, String cursor, int limit) {
        NavigableMap<String, CacheEntry> entries = namespaces.get(namespace);
        List<String> keys = new ArrayList<>();
        if (entries == null) {
            return keys;
        }
        String from = cursor != null && cursor.compareTo(prefix) >= 0 ? cursor : prefix;
        boolean inclusive = cursor == null || cursor.compareTo(prefix) < 0;
        Instant now = Instant.now();
        for (Map.Entry<String, CacheEntry> entry :
                entries.tailMap(from, inclusive).entrySet()) {
            if (!entry.getKey().startsWith(prefix) || keys.size() >= limit) {
                break;
            }
            if (!entry.getValue().expiredAt(now)) {
                keys.add(entry.getKey());
            }
        }
        return keys;
    }

    /** Every entry of {@code partition}, for a snapshot: namespace → key → entry. */
    public Map<String, Map<String, CacheEntry>> entriesOf(int partition) {
        Map<String, Map<String, CacheEntry>> result = new java.util.TreeMap<>();
        namespaces.forEach((name, entries) -> entries.forEach((key, entry) -> {
            if (entry.partition() == partition) {
                result.computeIfAbsent(name, n -> new java.util.TreeMap<>()).put(key, entry);
            }
        }));
        return result;
    }

    /** Loads an entry from a snapshot. */
    public void load(String namespace, String key, CacheEntry entry) {
        put(namespaces.computeIfAbsent(namespace, name -> new ConcurrentSkipListMap<>()), key, entry);
    }

    /** Removes entries that expired before {@code now}, to give their memory back. */
    public void sweep(Instant now) {
        namespaces
                .values()
                .forEach(entries -> entries.forEach((key, entry) -> {
                    if (entry.expiredAt(now)) {
                        remove(entries, key, entry);
                    }
                }));
    }

    /** Entries held, expired ones not yet swept included. */
    public long entryCount() {
        return entries.get();
    }

    /** Bytes of values held. */
    public long byteCount() {
        return bytes.get();
    }

    private void put(NavigableMap<String, CacheEntry> namespace, String key, CacheEntry entry) {
        CacheEntry previous = namespace.put(key, entry);
        if (previous == null) {
            entries.incrementAndGet();
        } else {
            bytes.addAndGet(-previous.value().length);
        }
        bytes.addAndGet(entry.value().length);
    }

    private void remove(NavigableMap<String, CacheEntry> namespace, String key, CacheEntry expected) {
        if (expected != null && namespace.remove(key, expected)) {
            entries.decrementAndGet();
            bytes.addAndGet(-expected.value().length);
        }
    }
}
