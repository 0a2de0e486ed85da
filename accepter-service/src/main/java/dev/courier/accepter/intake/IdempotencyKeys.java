package dev.courier.accepter.intake;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.cacheclient.CacheServiceClient.Reply;
import dev.courier.cacheclient.CacheServiceClient.Write;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.cache.IdempotencyEntries;
import dev.courier.common.id.Ulid;
import org.jboss.logging.Logger;

/**
 * {@code Idempotency-Key}: the same key (per tenant) within the window means the same invocation. A key is claimed
 * in the cache with {@code If-None-Match: *} as <em>pending</em> before the request is published and marked
 * <em>accepted</em> after; so a duplicate gets the first request's id only once that request is durable (while it is
 * pending, the duplicate is answered 409 and can retry), and a publish that fails releases the key.
 *
 * <p>A key can be left pending: the accepter stopped, or cache-service failed, between Kafka's acknowledgement and the
 * mark (the request is stored), or between a failed publish and the release (it is not). Once a claim has been
 * pending longer than {@code courier.accepter.idempotency-pending-timeout}, the next duplicate resolves it from the
 * status read model: an invocation that has a status was stored, so the key is marked accepted and names it; one that
 * has none was not, so the duplicate takes the key over. Keys live in {@code courier.idempotency}, which has no entry
 * cap (expiry after the window keeps it bounded).
 */
@ApplicationScoped
public class IdempotencyKeys {
    private static final Logger LOG = Logger.getLogger(IdempotencyKeys.class);

    private final CacheServiceClient cache;
    private final ObjectMapper mapper;
    private final Duration window;
    private final Duration pendingTimeout;

    public IdempotencyKeys(CacheServiceClient cache, ObjectMapper mapper, AccepterConfig config) {
        this.cache = cache;
        this.mapper = mapper;
        this.window = config.idempotencyWindow();
        this.pendingTimeout = config.idempotencyPendingTimeout();
    }

    /**
     * Claims {@code tenant}'s {@code key} for invocation {@code id}. The entry is a digest of both, so that the same key
     * from two tenants is two keys (the default tenant's entries are what they were before tenants existed).
     */
    public CompletionStage<Claim> claim(String tenant, String key, String id) {
        String entry = entry(tenant, key);
        return reachable(cache.put(
                        CacheNamespaces.IDEMPOTENCY,
                        entry,
                        document(id, IdempotencyEntries.PENDING),
                        window,
                        Precondition.ABSENT))
                .thenCompose(reply -> claimed(entry, id, reply));
    }

    /**
     * Claims every key, as {@link #claim} each, one stage per key in order, but in one call to cache-service (per
     * {@value CacheServiceClient#MAX_WRITES_PER_CALL} keys) rather than one per key: a batch of keyed requests costs
     * one round trip for its claims, not hundreds.
     */
    public List<CompletionStage<Claim>> claimAll(List<KeyClaim> keys) {
        if (keys.size() == 1) {
            KeyClaim only = keys.get(0);
            return List.of(claim(only.tenant(), only.key(), only.id()));
        }
        List<CompletionStage<Claim>> claims = new ArrayList<>(keys.size());
        for (int from = 0; from < keys.size(); from += CacheServiceClient.MAX_WRITES_PER_CALL) {
            List<KeyClaim> chunk =
                    keys.subList(from, Math.min(keys.size(), from + CacheServiceClient.MAX_WRITES_PER_CALL));
            List<String> entries =
                    chunk.stream().map(k -> entry(k.tenant(), k.key())).toList();
            List<Write> writes = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                writes.add(new Write(
                        entries.get(i),
                        document(chunk.get(i).id(), IdempotencyEntries.PENDING),
                        window,
                        Precondition.ABSENT));
            }
            CompletionStage<List<Reply>> replies = reachable(cache.writeAll(CacheNamespaces.IDEMPOTENCY, writes));
            for (int i = 0; i < chunk.size(); i++) {
                int index = i;
                claims.add(replies.thenCompose(
                        all -> claimed(entries.get(index), chunk.get(index).id(), all.get(index))));
            }
        }
        return claims;
    }

    /** What the claim of {@code entry} for {@code id} found, from cache-service's {@code reply} to it. */
    private CompletionStage<Claim> claimed(String entry, String id, Reply reply) {
        if (reply.status() == 201) {
            return CompletableFuture.completedFuture(
                    new Claim.Claimed(entry, id, reply.etag().orElseThrow()));
        }
        if (reply.status() != 412) {
            throw unavailable();
        }
        return reachable(cache.get(CacheNamespaces.IDEMPOTENCY, entry)).thenCompose(existing -> {
            if (existing.status() == 404) {
                throw stillBeingAccepted(); // expired or released meanwhile: a retry claims it
            }
            if (existing.status() != 200) {
                throw unavailable();
            }
            JsonNode document = read(existing.body());
            String holder = document.get("id").asText();
            if (IdempotencyEntries.ACCEPTED.equals(document.get("state").asText())) {
                return CompletableFuture.completedFuture((Claim) new Claim.Duplicate(holder, true));
            }
            if (!pendingTooLong(holder)) {
                return CompletableFuture.completedFuture((Claim) new Claim.Duplicate(holder, false));
            }
            return resolve(entry, holder, existing.etag().orElseThrow(), id);
        });
    }

    /**
     * Settles a claim left pending too long: the key names its invocation if that invocation was stored (it has a
     * status), else it becomes {@code id}'s.
     */
    private CompletionStage<Claim> resolve(String entry, String holder, String etag, String id) {
        return reachable(cache.status(holder, Duration.ZERO)).thenCompose(status -> {
            if (status.status() == 200) {
                LOG.infof("idempotency key left pending resolved to invocation %s, which was stored", holder);
                return mark(entry, holder, etag).thenApply(done -> (Claim) new Claim.Duplicate(holder, true));
            }
            if (status.status() != 404) {
                throw unavailable();
            }
            return reachable(cache.put(
                            CacheNamespaces.IDEMPOTENCY,
                            entry,
                            document(id, IdempotencyEntries.PENDING),
                            window,
                            Precondition.matching(etag)))
                    .thenApply(taken -> {
                        if (taken.status() != 200) {
                            throw stillBeingAccepted(); // another duplicate resolved it first: a retry sees how
                        }
                        LOG.infof(
                                "idempotency key left pending by invocation %s, which was never stored, taken over",
                                holder);
                        return (Claim) new Claim.Claimed(entry, id, taken.etag().orElseThrow());
                    });
        });
    }

    /**
     * The claimed request is durable: duplicates from now on get its id. Never fails: the request is stored whatever
     * happens here, and a mark that is lost is made good by the next duplicate (see the class comment).
     */
    public CompletionStage<Void> accepted(Claim.Claimed claim) {
        return mark(claim.entry(), claim.id(), claim.etag());
    }

    /**
     * {@link #accepted} for every claim, in one call to cache-service (per
     * {@value CacheServiceClient#MAX_WRITES_PER_CALL} claims). Never fails, as {@link #accepted}.
     */
    public CompletionStage<Void> acceptedAll(List<Claim.Claimed> claims) {
        if (claims.size() == 1) {
            return accepted(claims.get(0));
        }
        List<CompletableFuture<Void>> marks = new ArrayList<>();
        for (int from = 0; from < claims.size(); from += CacheServiceClient.MAX_WRITES_PER_CALL) {
            List<Claim.Claimed> chunk =
                    claims.subList(from, Math.min(claims.size(), from + CacheServiceClient.MAX_WRITES_PER_CALL));
            List<Write> writes = chunk.stream()
                    .map(claim -> new Write(
                            claim.entry(),
                            document(claim.id(), IdempotencyEntries.ACCEPTED),
                            window,
                            Precondition.matching(claim.etag())))
                    .toList();
            marks.add(cache.writeAll(CacheNamespaces.IDEMPOTENCY, writes)
                    .handle((replies, error) -> {
                        for (int i = 0; i < chunk.size(); i++) {
                            if (error != null || replies.get(i).status() / 100 != 2) {
                                notMarked(
                                        chunk.get(i).id(),
                                        error != null
                                                ? error.toString()
                                                : "status " + replies.get(i).status());
                            }
                        }
                        return (Void) null;
                    })
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(marks.toArray(CompletableFuture[]::new));
    }

    private CompletionStage<Void> mark(String entry, String id, String etag) {
        return cache.put(
                        CacheNamespaces.IDEMPOTENCY,
                        entry,
                        document(id, IdempotencyEntries.ACCEPTED),
                        window,
                        Precondition.matching(etag))
                .handle((reply, error) -> {
                    if (error != null || reply.status() / 100 != 2) {
                        notMarked(id, error != null ? error.toString() : "status " + reply.status());
                    }
                    return null;
                });
    }

    private static void notMarked(String id, String why) {
        LOG.warnf(
                "invocation %s is stored, but its idempotency key could not be marked accepted (%s); "
                        + "a duplicate will resolve it",
                id, why);
    }

    /** The claimed request was not stored: free the key for a retry. */
    public CompletionStage<Void> release(Claim.Claimed claim) {
        return cache.delete(CacheNamespaces.IDEMPOTENCY, claim.entry(), Precondition.matching(claim.etag()))
                .thenApply(reply -> null);
    }

    private boolean pendingTooLong(String holder) {
        return Ulid.isValid(holder) && System.currentTimeMillis() - Ulid.timestamp(holder) > pendingTimeout.toMillis();
    }

    private static RequestProblem unavailable() {
        return RequestProblem.unavailable("idempotency keys are unavailable; try again");
    }

    private static RequestProblem stillBeingAccepted() {
        return RequestProblem.conflict("a request with this Idempotency-Key is still being accepted; send it again");
    }

    /** A call to cache-service that failed (not reachable, timed out) leaves the request not accepted: 503. */
    private static <T> CompletionStage<T> reachable(CompletionStage<T> call) {
        return call.exceptionally(error -> {
            throw unavailable();
        });
    }

    private static String entry(String tenant, String key) {
        return IdempotencyEntries.entry(tenant, key);
    }

    private static byte[] document(String id, String state) {
        return IdempotencyEntries.document(id, state);
    }

    private JsonNode read(byte[] body) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw RequestProblem.unavailable("unreadable idempotency entry");
        }
    }

    /**
     * A key to claim.
     *
     * @param tenant the tenant whose key it is
     * @param key the {@code Idempotency-Key}
     * @param id the invocation it is claimed for
     */
    public record KeyClaim(String tenant, String key, String id) {}

    /** What claiming a key found. */
    public sealed interface Claim {
        /**
         * The key was free and is now this request's.
         *
         * @param entry the cache key of the claim
         * @param id the invocation id it is claimed for
         * @param etag the claim's version
         */
        record Claimed(String entry, String id, String etag) implements Claim {}

        /**
         * Another request holds the key.
         *
         * @param id that request's invocation id
         * @param accepted whether that request is durably stored already
         */
        record Duplicate(String id, boolean accepted) implements Claim {}
    }
}
