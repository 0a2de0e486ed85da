package dev.courier.listener.cancel;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.inject.Singleton;

import dev.courier.common.cache.CacheNamespaces;
import dev.courier.listener.cache.CacheView;

/**
 * The invocations cancelled by their callers: markers in namespace {@value CacheNamespaces#CANCELLATIONS}, followed
 * by {@link dev.courier.listener.cache.CacheFollower}. The listener checks this set in memory before each attempt.
 */
@Singleton
public class Cancellations implements CacheView {
    /** Invocation id → when the marker expires. */
    private final Map<String, Instant> cancelled = new ConcurrentHashMap<>();

    /** Whether the caller cancelled invocation {@code id}. */
    public boolean isCancelled(String id) {
        Instant until = cancelled.get(id);
        if (until == null) {
            return false;
        }
        if (Instant.now().isAfter(until)) {
            cancelled.remove(id, until);
            return false;
        }
        return true;
    }

    @Override
    public String namespace() {
        return CacheNamespaces.CANCELLATIONS;
    }

    @Override
    public boolean needsValues() {
        return false;
    }

    @Override
    public void put(String id, byte[] value, Instant expiresAt) {
        // A listed marker does not say when it expires; a cancelled id never becomes deliverable again anyway.
        cancelled.put(id, expiresAt == null ? Instant.MAX : expiresAt);
    }

    @Override
    public void delete(String id) {
        cancelled.remove(id);
    }
}
