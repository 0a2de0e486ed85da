package dev.courier.accepter.intake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.cache.CacheClient;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.cache.CacheNamespaces;

/**
 * {@code Idempotency-Key}: the same key (per tenant) within the window means the same invocation. A key is claimed
 * in the cache with {@code If-None-Match: *} as <em>pending</em> before the request is published and marked
 * <em>accepted</em> after; so a duplicate gets the first request's id only once that request is durable (while it is
 * pending, the duplicate is answered 409 and can retry), and a publish that fails releases the key.
 */
@ApplicationScoped
public class IdempotencyKeys {
    /** Until tenants exist, every caller is in this one. */
    static final String DEFAULT_TENANT = "default";

    private final CacheClient cache;
    private final ObjectMapper mapper;
    private final Duration window;

    public IdempotencyKeys(CacheClient cache, ObjectMapper mapper, AccepterConfig config) {
        this.cache = cache;
        this.mapper = mapper;
        this.window = config.idempotencyWindow();
    }

    /** Claims {@code key} for invocation {@code id}. */
    public CompletionStage<Claim> claim(String tenant, String key, String id) {
        String entry = entry(tenant, key);
        return reachable(cache.put(CacheNamespaces.IDEMPOTENCY, entry, document(id, "pending"), window, null))
                .thenCompose(reply -> {
                    if (reply.status() == 201) {
                        return CompletableFuture.completedFuture((Claim)
                                new Claim.Claimed(entry, id, reply.etag().orElseThrow()));
                    }
                    if (reply.status() != 412) {
                        throw RequestProblem.unavailable("idempotency keys are unavailable; try again");
                    }
                    return reachable(cache.get(CacheNamespaces.IDEMPOTENCY, entry))
                            .thenApply(existing -> {
                                if (existing.status() != 200) {
                                    throw RequestProblem.unavailable("idempotency keys are unavailable; try again");
                                }
                                JsonNode document = read(existing.body());
                                return (Claim) new Claim.Duplicate(
                                        document.get("id").asText(),
                                        "accepted".equals(document.get("state").asText()));
                            });
                });
    }

    /** The claimed request is durable: duplicates from now on get its id. */
    public CompletionStage<Void> accepted(Claim.Claimed claim) {
        return cache.put(
                        CacheNamespaces.IDEMPOTENCY,
                        claim.entry(),
                        document(claim.id(), "accepted"),
                        window,
                        claim.etag())
                .thenApply(reply -> null);
    }

    /** The claimed request was not stored: free the key for a retry. */
    public CompletionStage<Void> release(Claim.Claimed claim) {
        return cache.delete(CacheNamespaces.IDEMPOTENCY, claim.entry(), claim.etag())
                .thenApply(reply -> null);
    }

    /** A call to cache-service that failed (not reachable, timed out) leaves the request not accepted: 503. */
    private static CompletionStage<CacheClient.Reply> reachable(CompletionStage<CacheClient.Reply> call) {
        return call.exceptionally(error -> {
            throw RequestProblem.unavailable("idempotency keys are unavailable; try again");
        });
    }

    private static String entry(String tenant, String key) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest((tenant + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String document(String id, String state) {
        return "{\"id\":\"" + id + "\",\"state\":\"" + state + "\"}";
    }

    private JsonNode read(String body) {
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
