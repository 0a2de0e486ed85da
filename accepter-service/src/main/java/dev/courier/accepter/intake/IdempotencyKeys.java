package dev.courier.accepter.intake;

import java.io.IOException;
import java.time.Duration;
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
                .thenCompose(reply -> {
                    if (reply.status() == 201) {
                        return CompletableFuture.completedFuture((Claim)
                                new Claim.Claimed(entry, id, reply.etag().orElseThrow()));
                    }
                    if (reply.status() != 412) {
                        throw unavailable();
                    }
                    return reachable(cache.get(CacheNamespaces.IDEMPOTENCY, entry))
                            .thenCompose(existing -> {
                                if (existing.status() == 404) {
                                    throw stillBeingAccepted(); // expired or released meanwhile: a retry claims it
                                }
                                if (existing.status() != 200) {
                                    throw unavailable();
                                }
                                JsonNode document = read(existing.body());
                                String holder = document.get("id").asText();
                                if (IdempotencyEntries.ACCEPTED.equals(
                                        document.get("state").asText())) {
                                    return CompletableFuture.completedFuture((Claim) new Claim.Duplicate(holder, true));
                                }
                                if (!pendingTooLong(holder)) {
                                    return CompletableFuture.completedFuture(
                                            (Claim) new Claim.Duplicate(holder, false));
                                }
                                return resolve(entry, holder, existing.etag().orElseThrow(), id);
                            });
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

    private CompletionStage<Void> mark(String entry, String id, String etag) {
        return cache.put(
                        CacheNamespaces.IDEMPOTENCY,
                        entry,
                        document(id, IdempotencyEntries.ACCEPTED),
                        window,
                        Precondition.matching(etag))
                .handle((reply, error) -> {
                    if (error != null || reply.status() / 100 != 2) {
                        LOG.warnf(
                                "invocation %s is stored, but its idempotency key could not be marked accepted (%s); "
                                        + "a duplicate will resolve it",
                                id, error != null ? error.toString() : "status " + reply.status());
                    }
                    return null;
                });
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
    private static CompletionStage<Reply> reachable(CompletionStage<Reply> call) {
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
