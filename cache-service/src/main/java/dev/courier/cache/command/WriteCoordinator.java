package dev.courier.cache.command;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.log.ChangeLog;
import dev.courier.cache.log.LogFollower;
import dev.courier.cache.store.Decision;

/**
 * The write side: appends a change to the log and reports the outcome the log decided. A write is acknowledged only
 * once its change is durable (acks=all) and applied here, so the answer (201, 200, 204, 404, 409 or 412) is the one
 * every instance reaches.
 */
@ApplicationScoped
public class WriteCoordinator {
    private final ChangeLog log;
    private final LogFollower follower;
    private final Duration timeout;
    /** Request ids: unique across instances (a random prefix per instance) without a random draw per write. */
    private final String requestIdPrefix = UUID.randomUUID() + "-";

    private final AtomicLong requestSequence = new AtomicLong();

    public WriteCoordinator(ChangeLog log, LogFollower follower, CacheConfig config) {
        this.log = log;
        this.follower = follower;
        this.timeout = config.writeTimeout();
    }

    /** A new id for {@link CacheChange#requestId()}: no other write of any instance has it. */
    public String newRequestId() {
        return requestIdPrefix + requestSequence.incrementAndGet();
    }

    /** Appends {@code change} and completes with its decision and its read-your-writes token. */
    public CompletionStage<Written> write(CacheChange change) {
        CompletableFuture<Decision> decided = follower.expect(change.requestId());
        return log.append(change)
                .thenCompose(position -> decided.thenApply(
                        decision -> new Written(decision, position.partition() + ":" + position.offset())))
                .toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((written, error) -> {
                    if (error != null) {
                        decided.cancel(false);
                    }
                });
    }

    /**
     * A decided write.
     *
     * @param decision how the log decided it
     * @param token {@code <partition>:<offset>} of the change, for {@code Courier-Cache-Min-Token}
     */
    public record Written(Decision decision, String token) {}
}
