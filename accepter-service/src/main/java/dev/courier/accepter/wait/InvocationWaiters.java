package dev.courier.accepter.wait;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.accepter.config.AccepterConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The callers of this accepter instance that wait for an invocation to end ({@code Prefer: wait}), by invocation id.
 * {@link InvocationRecordFollower} hands it every invocation record this instance reads; a record whose key is a
 * waited-for id completes that id's waiters. Other instances have registries of their own and read every record too,
 * so a caller is answered by the instance it waits on, whichever listener wrote the record.
 *
 * <p>Invariant: a waiter is in the registry from {@link #register} until it is completed or {@link #cancel}led, and
 * never after; the count of waiters is the registry's size, bounded by {@code courier.accepter.wait.max-waiters}.
 */
@ApplicationScoped
public class InvocationWaiters {
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final int maxWaiters;

    @jakarta.inject.Inject
    public InvocationWaiters(AccepterConfig config, MeterRegistry registry) {
        this(config.waiting().maxWaiters(), registry);
    }

    InvocationWaiters(int maxWaiters, MeterRegistry registry) {
        this.maxWaiters = maxWaiters;
        Gauge.builder("courier.wait.waiters", count, AtomicInteger::get)
                .description("Callers waiting for an invocation to end (Prefer: wait) in this instance")
                .register(registry);
    }

    /**
     * A waiter for invocation {@code invocationId}'s record, or null when {@code max-waiters} callers already wait.
     * Register before the request can be published: its record could otherwise be read before anyone waits for it.
     */
    public Waiter register(String invocationId) {
        if (count.incrementAndGet() > maxWaiters) {
            count.decrementAndGet();
            return null;
        }
        Waiter waiter = new Waiter(invocationId, new CompletableFuture<>());
        // Every change to a list happens inside the map's atomic operation on its key, so a list that completed()
        // has removed is never changed again.
        waiters.compute(invocationId, (id, list) -> {
            List<Waiter> those = list == null ? new ArrayList<>(1) : list;
            those.add(waiter);
            return those;
        });
        return waiter;
    }

    /** Invocation {@code invocationId} has ended with {@code record} (its JSON): completes whoever waits for it. */
    public void completed(String invocationId, byte[] record) {
        List<Waiter> done = waiters.remove(invocationId);
        if (done != null) {
            for (Waiter waiter : done) {
                count.decrementAndGet();
                waiter.record().complete(record);
            }
        }
    }

    /** {@code waiter} no longer waits (its time is up, or its request was not accepted). */
    public void cancel(Waiter waiter) {
        boolean[] removed = {false};
        waiters.computeIfPresent(waiter.invocationId(), (id, list) -> {
            removed[0] = list.remove(waiter);
            return list.isEmpty() ? null : list;
        });
        if (removed[0]) {
            count.decrementAndGet();
        }
    }

    /** How many callers wait now. */
    public int size() {
        return count.get();
    }

    /**
     * One caller waiting for an invocation's record.
     *
     * @param invocationId the invocation
     * @param record completes with the record's JSON when it is read
     */
    public record Waiter(String invocationId, CompletableFuture<byte[]> record) {}
}
