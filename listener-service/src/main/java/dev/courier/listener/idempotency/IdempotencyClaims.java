package dev.courier.listener.idempotency;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.cacheclient.CacheServiceClient.Reply;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.cache.IdempotencyEntries;
import dev.courier.listener.config.ListenerConfig;
import org.jboss.logging.Logger;

/**
 * The {@code idempotencyKey} of a request a producer published straight to Kafka: claimed in cache-service, in the
 * same entries as the accepter's ({@link IdempotencyEntries}), before the request goes any further. The first record
 * of a key is delivered; another record with the same key within the window is a {@link Claim.Duplicate} and is not.
 *
 * <p>The claim names the invocation and the record's position: the same record read again (a redelivery after a
 * crash or a rebalance) finds its own claim and goes on; another record, even one with the same id, is a duplicate.
 * The record is durable on Kafka already, so the claim is {@code accepted} at once. A cache-service that cannot be
 * reached is asked again, with a growing pause, until it answers: the record waits (in flight, its offset not
 * committed) rather than be delivered without its key.
 */
@ApplicationScoped
public class IdempotencyClaims {
    private static final Logger LOG = Logger.getLogger(IdempotencyClaims.class);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(500);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(10);

    private final Optional<CacheServiceClient> cache;
    private final ObjectMapper mapper;
    private final Duration window;

    public IdempotencyClaims(Optional<CacheServiceClient> cache, ObjectMapper mapper, ListenerConfig config) {
        this.cache = cache;
        this.mapper = mapper;
        this.window = config.idempotencyWindow();
    }

    /**
     * Claims {@code tenant}'s {@code key} for invocation {@code id}, read at {@code position}
     * ({@code topic/partition/offset}). A request that names no tenant is the default tenant's ({@value
     * IdempotencyEntries#DEFAULT_TENANT}; an accepter configured with another {@code courier.auth.default-tenant} keys
     * its default tenant's claims under that name instead).
     */
    public CompletionStage<Claim> claim(String tenant, String key, String id, String position) {
        if (cache.isEmpty()) {
            return CompletableFuture.completedFuture(new Claim.Unsupported());
        }
        String owner = tenant != null ? tenant : IdempotencyEntries.DEFAULT_TENANT;
        return attempt(IdempotencyEntries.entry(owner, key), id, position, FIRST_PAUSE);
    }

    private CompletionStage<Claim> attempt(String entry, String id, String position, Duration pause) {
        CacheServiceClient client = cache.get();
        return client.put(CacheNamespaces.IDEMPOTENCY, entry, document(id, position), window, Precondition.ABSENT)
                .thenCompose(reply -> {
                    if (reply.status() == 201) {
                        return CompletableFuture.completedFuture((Claim) new Claim.Mine());
                    }
                    if (reply.status() != 412) {
                        return CompletableFuture.completedFuture((Claim) null);
                    }
                    return client.get(CacheNamespaces.IDEMPOTENCY, entry)
                            .thenApply(existing -> holder(existing, id, position));
                })
                .handle((claim, error) -> {
                    if (claim != null) {
                        return CompletableFuture.completedFuture(claim);
                    }
                    LOG.warnf(
                            "the idempotency key of invocation %s could not be claimed (%s); asking again in %s",
                            id, error != null ? error.toString() : "cache-service did not take it", pause);
                    Duration next =
                            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
                    return CompletableFuture.supplyAsync(
                                    () -> null,
                                    CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS))
                            .thenCompose(ignored -> attempt(entry, id, position, next));
                })
                .thenCompose(stage -> stage);
    }

    /** Who holds the key: this record (its own claim, read again), another one, or null to ask again. */
    private Claim holder(Reply existing, String id, String position) {
        if (existing.status() != 200) {
            return null; // 404: expired or released meanwhile; claim it again
        }
        try {
            JsonNode document = mapper.readTree(existing.body());
            String holder = document.path("id").asText();
            boolean sameRecord =
                    holder.equals(id) && position.equals(document.path("at").asText());
            return sameRecord ? new Claim.Mine() : new Claim.Duplicate(holder, holder.equals(id));
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] document(String id, String position) {
        return IdempotencyEntries.document(id, IdempotencyEntries.ACCEPTED, position);
    }

    /** What claiming a key found. */
    public sealed interface Claim {
        /** The key is this record's: deliver it. */
        record Mine() implements Claim {}

        /**
         * Another record holds the key: do not deliver this one.
         *
         * @param holder the invocation the key names
         * @param sameId whether that is this record's own id (a producer that sent the same request twice)
         */
        record Duplicate(String holder, boolean sameId) implements Claim {}

        /** No cache-service is configured: the key cannot be honoured here. */
        record Unsupported() implements Claim {}
    }
}
