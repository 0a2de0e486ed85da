package dev.courier.listener.oci;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Functions' invoke endpoints as resolved through {@code GetFunction}, remembered for a while: a bounded cache (least
 * recently used forgotten first) whose entries are asked for again after their time to live. Resolution is single
 * flight: invocations of one function that arrive together wait for one look-up. A failed look-up is not remembered,
 * so the next attempt asks again.
 */
final class InvokeEndpoints {
    private final Function<String, String> lookup;
    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    /** Access-ordered: iteration starts at the least recently used entry. Guarded by {@code this}. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param lookup function OCID → invoke endpoint; blocking, may throw (the SDK's {@code BmcException})
     */
    InvokeEndpoints(Function<String, String> lookup, int capacity, Duration ttl, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the invoke endpoint cache needs room for at least one function");
        }
        this.lookup = lookup;
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The function's invoke endpoint; blocks while it is looked up, and throws what the look-up threw. */
    String resolve(String functionId) {
        CompletableFuture<String> mine = null;
        CompletableFuture<String> endpoint;
        synchronized (this) {
            Entry entry = entries.get(functionId);
            if (entry != null && usable(entry)) {
                endpoint = entry.endpoint();
            } else {
                mine = new CompletableFuture<>();
                entries.put(functionId, new Entry(mine, clock.instant()));
                trim();
                endpoint = mine;
            }
        }
        if (mine != null) {
            try {
                mine.complete(lookup.apply(functionId));
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                CompletableFuture<String> failed = mine;
                synchronized (this) {
                    entries.computeIfPresent(functionId, (id, entry) -> entry.endpoint() == failed ? null : entry);
                }
            }
        }
        try {
            return endpoint.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private boolean usable(Entry entry) {
        if (!entry.endpoint().isDone()) {
            return true; // being looked up: wait for it
        }
        return !entry.endpoint().isCompletedExceptionally()
                && entry.resolvedAt().plus(ttl).isAfter(clock.instant());
    }

    private void trim() {
        Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
        while (entries.size() > capacity && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }

    private record Entry(CompletableFuture<String> endpoint, Instant resolvedAt) {}
}
