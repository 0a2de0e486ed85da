package dev.courier.cache.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.cache.command.WriteCoordinator;
import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.log.LogFollower;
import dev.courier.cache.problem.CacheProblem;
import dev.courier.cache.store.CacheEntry;
import dev.courier.cache.store.CacheStore;
import dev.courier.cache.store.Decision;
import dev.courier.security.AccessGate;
import dev.courier.security.CurrentCaller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The cache API (SPEC section 7). Writes go to the command side ({@link WriteCoordinator}: append, then answer what
 * the log decided); reads come from this instance's materialized {@link CacheStore}, after waiting for a given write
 * to be applied here when the caller asks for read-your-writes ({@value #MIN_TOKEN}).
 *
 * <p>Every namespace is the caller's: {@link TenantNamespaces} turns the name a caller uses into the stored one, and
 * refuses a tenant Courier's own namespaces (403). Answers name the namespace as the caller named it.
 *
 * <p>Every method runs on the HTTP event loop: nothing here blocks (a write's append hands the Kafka send to the
 * change log's own thread, and its answer completes when the log follower has applied it).
 */
@Path("/v1/cache/{namespace}")
public class CacheResource {
    /** Returned by every write: the change's position, {@code <partition>:<offset>}. */
    public static final String TOKEN = "Courier-Cache-Token";
    /** On a read: do not answer before the write with this token is applied here. */
    public static final String MIN_TOKEN = "Courier-Cache-Min-Token";

    /** What a namespace may be (also checked by {@link ValueReadRoute}). */
    static final Pattern NAMESPACE = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

    /** The most writes one {@code POST /v1/cache/{namespace}} may carry. */
    public static final int MAX_BULK_WRITES = 500;

    private static final Pattern TOKEN_FORMAT = Pattern.compile("^(\\d+):(\\d+)$");
    private static final int MAX_LIST = 1000;
    private static final long MAX_TTL_SECONDS = 366L * 24 * 3600;

    private final WriteCoordinator writes;
    private final CacheStore store;
    private final LogFollower follower;
    private final CacheConfig config;
    private final MeterRegistry registry;
    private final CurrentCaller caller;
    private final String defaultTenant;
    /** {@code courier.cache.requests} by operation and result: looked up once, not per request. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public CacheResource(
            WriteCoordinator writes,
            CacheStore store,
            LogFollower follower,
            CacheConfig config,
            MeterRegistry registry,
            CurrentCaller caller,
            AccessGate gate) {
        this.caller = caller;
        this.defaultTenant = gate.defaultTenant();
        this.writes = writes;
        this.store = store;
        this.follower = follower;
        this.config = config;
        this.registry = registry;
    }

    @PUT
    @Path("/{key: .+}")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> put(
            @PathParam("namespace") String namespace,
            @PathParam("key") String key,
            @QueryParam("ttlSeconds") String ttlSeconds,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            byte[] value) {
        checkWritable();
        String stored = stored(namespace, key);
        byte[] bytes = value == null ? new byte[0] : value;
        if (bytes.length > config.maxValueBytes()) {
            throw new CacheProblem(
                    413, "too-large", "value", "the value is larger than " + config.maxValueBytes() + " bytes");
        }
        CacheChange change = new CacheChange(
                CacheChange.Op.PUT,
                stored,
                key,
                bytes,
                contentType != null ? contentType : MediaType.APPLICATION_OCTET_STREAM,
                expiry(ttlSeconds),
                etag(ifMatch),
                noneMatch(ifNoneMatch),
                writes.newRequestId());
        return write("put", change, namespace);
    }

    @POST
    @Path("/{key: .+}")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> post(
            @PathParam("namespace") String namespace,
            @PathParam("key") String key,
            @QueryParam("ttlSeconds") String ttlSeconds,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            byte[] value) {
        return put(namespace, key, ttlSeconds, contentType, ifMatch, ifNoneMatch, value);
    }

    /**
     * Many writes to one namespace in one call ({@link BulkWrite}): each decided as its own {@code PUT}, one result
     * each, in order; appended together, so that they share the change log's batches. Used by the accepter to claim and
     * mark a batch's idempotency keys in one round trip instead of one per request.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<BulkWrite.Results> writeAll(@PathParam("namespace") String namespace, BulkWrite bulk) {
        checkWritable();
        String stored = stored(namespace, null);
        List<BulkWrite.Write> requested = bulk == null ? null : bulk.writes();
        if (requested == null || requested.isEmpty() || requested.size() > MAX_BULK_WRITES) {
            throw new CacheProblem(
                    400, "invalid-field", "writes", "writes must hold 1 to " + MAX_BULK_WRITES + " writes");
        }
        // Every write is checked before any is appended: a malformed call writes nothing.
        List<CacheChange> changes = new ArrayList<>(requested.size());
        for (int i = 0; i < requested.size(); i++) {
            changes.add(change(stored, requested.get(i), "writes[" + i + "]."));
        }
        List<CompletableFuture<BulkWrite.Result>> results = new ArrayList<>(changes.size());
        for (CacheChange change : changes) {
            results.add(writes.write(change)
                    .handle((written, error) -> result(change.key(), written, error, namespace))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(all -> new BulkWrite.Results(
                        results.stream().map(CompletableFuture::join).toList()));
    }

    /** One write of a bulk call as a change to append; refused (400, naming {@code field}'s write) when malformed. */
    private CacheChange change(String stored, BulkWrite.Write write, String field) {
        if (write == null || write.key() == null || write.key().isEmpty()) {
            throw new CacheProblem(400, "invalid-field", field + "key", "every write needs a key");
        }
        if (write.key().getBytes(StandardCharsets.UTF_8).length > config.maxKeyBytes()) {
            throw new CacheProblem(
                    400, "key-too-long", field + "key", "a key is at most " + config.maxKeyBytes() + " bytes of UTF-8");
        }
        if ((write.value() == null) == (write.valueBase64() == null)) {
            throw new CacheProblem(
                    400, "invalid-field", field + "value", "every write needs exactly one of value and valueBase64");
        }
        byte[] bytes;
        if (write.value() != null) {
            bytes = write.value().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                bytes = Base64.getDecoder().decode(write.valueBase64());
            } catch (IllegalArgumentException e) {
                throw new CacheProblem(400, "invalid-field", field + "valueBase64", "valueBase64 is not base64");
            }
        }
        if (bytes.length > config.maxValueBytes()) {
            throw new CacheProblem(
                    413, "too-large", field + "value", "the value is larger than " + config.maxValueBytes() + " bytes");
        }
        Instant expiresAt = null;
        if (write.ttlSeconds() != null) {
            if (write.ttlSeconds() < 1 || write.ttlSeconds() > MAX_TTL_SECONDS) {
                throw new CacheProblem(
                        400, "invalid-field", field + "ttlSeconds", "ttlSeconds must be from 1 to " + MAX_TTL_SECONDS);
            }
            expiresAt = Instant.now().plusSeconds(write.ttlSeconds());
        }
        if (write.ifNoneMatch() != null && !write.ifNoneMatch().trim().equals("*")) {
            throw new CacheProblem(400, "invalid-field", field + "ifNoneMatch", "ifNoneMatch must be *");
        }
        return new CacheChange(
                CacheChange.Op.PUT,
                stored,
                write.key(),
                bytes,
                write.contentType() != null ? write.contentType() : MediaType.APPLICATION_OCTET_STREAM,
                expiresAt,
                etag(write.ifMatch()),
                write.ifNoneMatch() != null,
                writes.newRequestId());
    }

    /** What one write of a bulk call became, with the status its own {@code PUT} would have answered. */
    private BulkWrite.Result result(String key, WriteCoordinator.Written written, Throwable error, String namespace) {
        if (error != null) {
            // Not decided in time (the change may still be applied later), as a PUT's 503.
            count("put", "503");
            return new BulkWrite.Result(
                    key, 503, null, null, "timeout", "the write was not decided in time; its outcome is unknown");
        }
        Decision decision = written.decision();
        count("put", Integer.toString(decision.outcome().status()));
        CacheProblem refused = refusal(decision, namespace, key);
        if (refused != null) {
            return new BulkWrite.Result(
                    key, refused.status(), null, written.token(), refused.type(), refused.getMessage());
        }
        return new BulkWrite.Result(
                key,
                decision.outcome().status(),
                decision.etag() != null ? quoted(decision.etag()) : null,
                written.token(),
                null,
                null);
    }

    @DELETE
    @Path("/{key: .+}")
    public CompletionStage<Response> delete(
            @PathParam("namespace") String namespace,
            @PathParam("key") String key,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        checkWritable();
        String stored = stored(namespace, key);
        CacheChange change = new CacheChange(
                CacheChange.Op.DELETE, stored, key, null, null, null, etag(ifMatch), false, writes.newRequestId());
        return write("delete", change, namespace);
    }

    @GET
    @Path("/{key: .+}")
    public CompletionStage<Response> get(
            @PathParam("namespace") String namespace,
            @PathParam("key") String key,
            @HeaderParam(MIN_TOKEN) String minToken,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        String stored = stored(namespace, key);
        return appliedUpTo(minToken).thenApply(ignored -> {
            CacheEntry entry = store.get(stored, key).orElse(null);
            if (entry == null) {
                count("get", "404");
                throw new CacheProblem(404, "not-found", null, "no value at " + namespace + "/" + key);
            }
            String etag = quoted(entry.etag());
            if (etag.equals(ifNoneMatch)) {
                count("get", "304");
                return Response.notModified().tag(entry.etag()).build();
            }
            count("get", "200");
            return Response.ok(entry.value(), entry.contentType())
                    .header(HttpHeaders.ETAG, etag)
                    .build();
        });
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<KeyPage> list(
            @PathParam("namespace") String namespace,
            @QueryParam("prefix") String prefix,
            @QueryParam("limit") Integer limit,
            @QueryParam("cursor") String cursor,
            @HeaderParam(MIN_TOKEN) String minToken) {
        String stored = stored(namespace, null);
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > MAX_LIST) {
            throw new CacheProblem(400, "invalid-field", "limit", "limit must be between 1 and " + MAX_LIST);
        }
        return appliedUpTo(minToken).thenApply(ignored -> {
            List<String> keys = store.keys(stored, prefix == null ? "" : prefix, cursor, size);
            count("list", "200");
            return new KeyPage(namespace, keys, keys.size() == size ? keys.get(keys.size() - 1) : null);
        });
    }

    /**
     * One page of keys.
     *
     * @param namespace the namespace
     * @param keys the keys, sorted
     * @param nextCursor pass as {@code cursor} for the next page; null on the last page
     */
    public record KeyPage(String namespace, List<String> keys, String nextCursor) {}

    /** {@code change} appended and decided; {@code namespace} is its namespace as the caller named it. */
    private CompletionStage<Response> write(String operation, CacheChange change, String namespace) {
        return writes.write(change).thenApply(written -> {
            Decision decision = written.decision();
            count(operation, Integer.toString(decision.outcome().status()));
            CacheProblem refused = refusal(decision, namespace, change.key());
            if (refused != null) {
                throw refused;
            }
            Response.ResponseBuilder response =
                    Response.status(decision.outcome().status()).header(TOKEN, written.token());
            if (decision.etag() != null) {
                response.header(HttpHeaders.ETAG, quoted(decision.etag()));
            }
            return response.build();
        });
    }

    /** The problem a write decided as {@code decision} is refused with; null when it was done. */
    private CacheProblem refusal(Decision decision, String namespace, String key) {
        return switch (decision.outcome()) {
            case PRECONDITION_FAILED -> new CacheProblem(
                    412, "precondition-failed", "If-Match", "the current version does not match the condition");
            case NAMESPACE_FULL -> new CacheProblem(
                    409,
                    "namespace-full",
                    "namespace",
                    "namespace " + namespace + " already holds " + config.maxEntriesPerNamespace() + " entries");
            case NOT_FOUND -> new CacheProblem(404, "not-found", null, "no value at " + namespace + "/" + key);
            case CREATED, REPLACED, DELETED -> null;
        };
    }

    /** Completes once the write named by {@code token} is applied here; 503 if that takes too long. */
    private CompletionStage<Void> appliedUpTo(String token) {
        if (token == null) {
            return CompletableFuture.completedFuture(null);
        }
        var matcher = TOKEN_FORMAT.matcher(token.trim());
        if (!matcher.matches()) {
            throw new CacheProblem(400, "invalid-field", MIN_TOKEN, "a token looks like <partition>:<offset>");
        }
        int partition;
        long offset;
        try {
            partition = Integer.parseInt(matcher.group(1));
            offset = Long.parseLong(matcher.group(2));
        } catch (NumberFormatException e) {
            // Digits beyond int / long: no write ever had that position.
            throw new CacheProblem(400, "invalid-field", MIN_TOKEN, "no write has the token " + matcher.group());
        }
        int partitions = follower.partitionCount();
        if (partitions > 0 && partition >= partitions) {
            // It would never be applied: refused at once rather than 503 after the wait.
            throw new CacheProblem(
                    400,
                    "invalid-field",
                    MIN_TOKEN,
                    "the change log has no partition " + partition + "; no write has that token");
        }
        return follower.awaitApplied(partition, offset)
                .orTimeout(config.minTokenWait().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(error -> {
                    throw new CacheProblem(
                            503, "not-yet-applied", MIN_TOKEN, "that write is not applied here yet; try again");
                });
    }

    private void checkWritable() {
        if (!config.role().writes()) {
            throw new CacheProblem(405, "read-replica", null, "this instance is a read replica; write to a writer");
        }
    }

    /** The stored name of {@code namespace} for this request's caller, once the name and key are valid. */
    private String stored(String namespace, String key) {
        check(namespace, key);
        return TenantNamespaces.stored(caller.get(), namespace, defaultTenant);
    }

    private void check(String namespace, String key) {
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new CacheProblem(
                    400, "invalid-field", "namespace", "a namespace is 1 to 64 characters from [A-Za-z0-9._-]");
        }
        if (key != null && key.getBytes(StandardCharsets.UTF_8).length > config.maxKeyBytes()) {
            throw new CacheProblem(
                    414, "key-too-long", "key", "a key is at most " + config.maxKeyBytes() + " bytes of UTF-8");
        }
    }

    private static Instant expiry(String ttlSeconds) {
        if (ttlSeconds == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(ttlSeconds);
            if (seconds < 1 || seconds > MAX_TTL_SECONDS) {
                throw new NumberFormatException();
            }
            return Instant.now().plusSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new CacheProblem(
                    400, "invalid-field", "ttlSeconds", "ttlSeconds must be a whole number from 1 to 31622400");
        }
    }

    private static boolean noneMatch(String ifNoneMatch) {
        if (ifNoneMatch == null) {
            return false;
        }
        if (!ifNoneMatch.trim().equals("*")) {
            throw new CacheProblem(400, "invalid-field", "If-None-Match", "on a write, If-None-Match must be *");
        }
        return true;
    }

    /** {@code "0-12"} → {@code 0-12}. */
    private static String etag(String ifMatch) {
        if (ifMatch == null) {
            return null;
        }
        String trimmed = ifMatch.trim();
        return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
                ? trimmed.substring(1, trimmed.length() - 1)
                : trimmed;
    }

    private static String quoted(String etag) {
        return "\"" + etag + "\"";
    }

    private void count(String operation, String result) {
        counters.computeIfAbsent(
                        operation + ' ' + result,
                        ignored -> registry.counter("courier.cache.requests", "operation", operation, "result", result))
                .increment();
    }
}
