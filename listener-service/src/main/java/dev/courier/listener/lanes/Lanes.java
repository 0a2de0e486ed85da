package dev.courier.listener.lanes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.listener.cache.CacheView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

/**
 * Ordering-key lanes: which unfinished invocations each ordering key has, and in what order, so that a key gets one
 * call at a time, in acceptance order, while other keys flow.
 *
 * <p>An invocation with an ordering key {@linkplain #enter enters} its lane when the listener first reads it, before
 * anything else happens to it, and {@linkplain #leave leaves} it once its invocation record is written. It may make an
 * attempt only when no invocation ahead of it in the same lane is still there ({@link #isBusy}). Otherwise it waits,
 * briefly in flight ({@link #awaitTurn}: the call ahead of it usually ends within moments), then in a delay tier, and
 * looks again; so a key whose call is retrying holds back only itself.
 *
 * <p>The lanes must outlive any one listener (a crash, a rebalance, a retry waiting an hour), so each entry is stored
 * in cache-service (namespace {@value CacheNamespaces#LANES}, keyed by invocation id) before the request's offset can
 * be committed, and every listener holds all entries in memory, followed through the change log. Entries are written
 * in the order the requests are read, on the consumer thread, and become visible here at once, so a later request of
 * the key never overtakes an earlier one whose entry is still being stored. Without a cache-service the lanes live in
 * this listener's memory alone.
 */
@Singleton
public class Lanes implements CacheView {
    private static final Logger LOG = Logger.getLogger(Lanes.class);

    private final Optional<CacheServiceClient> cache;
    private final ObjectMapper mapper;
    /** Invocation id → entry. Guarded by {@code this}; so are the lanes. */
    private final Map<String, Entry> entries = new HashMap<>();
    /** Ordering key → its unfinished invocations by id; a key with none has no lane. */
    private final Map<String, Map<String, Entry>> lanes = new HashMap<>();

    /** Requests held in flight until their turn. Guarded by {@code this}. */
    private final List<Waiter> waiters = new ArrayList<>();

    private volatile boolean caughtUp;

    public Lanes(Optional<CacheServiceClient> cache, ObjectMapper mapper, MeterRegistry registry) {
        this.cache = cache;
        this.mapper = mapper;
        Gauge.builder("courier.ordering.lane.entries", this, Lanes::size)
                .description("Unfinished invocations that have an ordering key, as this listener knows them")
                .register(registry);
    }

    /**
     * Puts invocation {@code id} in the lane of {@code orderingKey} at {@code position}, if it is not there already.
     * The entry is visible to {@link #isBusy} at once; the returned stage completes once it is stored durably.
     */
    public CompletionStage<Void> enter(String id, String orderingKey, LanePosition position) {
        Entry entry = new Entry(id, orderingKey, position);
        synchronized (this) {
            if (entries.containsKey(id)) {
                return CompletableFuture.completedFuture(null);
            }
            add(entry);
        }
        if (cache.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return cache.get().putDurably(CacheNamespaces.LANES, id, json(entry));
    }

    /**
     * Whether invocation {@code id} must wait: an invocation ahead of it in its lane is unfinished, or this listener
     * has not yet caught up with the lanes as they were when it started.
     */
    public synchronized boolean isBusy(String id, String orderingKey, LanePosition position) {
        if (!caughtUp) {
            return true;
        }
        Map<String, Entry> lane = lanes.getOrDefault(orderingKey, Map.of());
        for (Entry other : lane.values()) {
            if (!other.id().equals(id) && other.position().isAhead(position)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits, up to {@code patience}, for invocation {@code id}'s turn: completes with true as soon as nothing ahead of
     * it in its lane is unfinished (a call ahead of it ended here or on another listener), with false if that did not
     * happen in time. The caller holds the request meanwhile: it is in flight, its offset uncommitted.
     */
    public CompletionStage<Boolean> awaitTurn(String id, String orderingKey, LanePosition position, Duration patience) {
        Waiter waiter = new Waiter(id, orderingKey, position, new CompletableFuture<>());
        synchronized (this) {
            if (!isBusy(id, orderingKey, position)) {
                return CompletableFuture.completedFuture(true);
            }
            waiters.add(waiter);
        }
        waiter.turn()
                .completeOnTimeout(false, patience.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((turn, error) -> {
                    synchronized (this) {
                        waiters.remove(waiter);
                    }
                });
        return waiter.turn();
    }

    /** Takes invocation {@code id} out of its lane; the returned stage completes once that is stored durably. */
    public CompletionStage<Void> leave(String id) {
        synchronized (this) {
            remove(id);
        }
        wakeWaiters();
        if (cache.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return cache.get().deleteDurably(CacheNamespaces.LANES, id);
    }

    @Override
    public String namespace() {
        return CacheNamespaces.LANES;
    }

    @Override
    public boolean needsValues() {
        return true;
    }

    @Override
    public void put(String id, byte[] value, Instant expiresAt) {
        Entry entry;
        try {
            Stored stored = mapper.readValue(value, Stored.class);
            entry = new Entry(id, stored.orderingKey(), new LanePosition(stored.partition(), stored.offset()));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable lane entry for invocation %s: %s", id, e.toString());
            return;
        }
        synchronized (this) {
            remove(id);
            add(entry);
        }
    }

    @Override
    public void delete(String id) {
        synchronized (this) {
            remove(id);
        }
        wakeWaiters();
    }

    @Override
    public void caughtUp() {
        caughtUp = true;
        wakeWaiters();
    }

    /** Gives every waiter whose turn has come its turn, outside the lock (what follows runs on this thread). */
    private void wakeWaiters() {
        List<Waiter> ready = new ArrayList<>();
        synchronized (this) {
            for (Waiter waiter : waiters) {
                if (!isBusy(waiter.id(), waiter.orderingKey(), waiter.position())) {
                    ready.add(waiter);
                }
            }
            waiters.removeAll(ready);
        }
        ready.forEach(waiter -> waiter.turn().complete(true));
    }

    private synchronized int size() {
        return entries.size();
    }

    private void add(Entry entry) {
        entries.put(entry.id(), entry);
        lanes.computeIfAbsent(entry.orderingKey(), key -> new HashMap<>()).put(entry.id(), entry);
    }

    private void remove(String id) {
        Entry entry = entries.remove(id);
        if (entry != null) {
            Map<String, Entry> lane = lanes.get(entry.orderingKey());
            lane.remove(id);
            if (lane.isEmpty()) {
                lanes.remove(entry.orderingKey());
            }
        }
    }

    private byte[] json(Entry entry) {
        try {
            return mapper.writeValueAsBytes(new Stored(
                    entry.orderingKey(),
                    entry.position().partition(),
                    entry.position().offset()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Entry(String id, String orderingKey, LanePosition position) {}

    private record Waiter(String id, String orderingKey, LanePosition position, CompletableFuture<Boolean> turn) {}

    /** A lane entry as stored in cache-service. */
    record Stored(String orderingKey, int partition, long offset) {}
}
