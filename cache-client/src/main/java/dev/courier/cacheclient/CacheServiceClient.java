package dev.courier.cacheclient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

/**
 * The one client of cache-service, used by the accepter (status, cancellations, idempotency keys) and the listener
 * (cancellation markers and ordering-key lanes at start-up, lane writes). Plain JDK HTTP client: no REST-client
 * extension, which would clash with the OCI SDK (BUILD-NOTES).
 *
 * <p>Every call but {@link #keys} is asynchronous and completes with what cache-service answered, whatever the status;
 * it fails only when cache-service did not answer within the timeout. The {@code durably} methods instead retry until
 * cache-service has taken the write, for callers whose next step (an offset commit) must not go ahead without it.
 *
 * <p>Every call presents the API key it was built with ({@code X-Api-Key}), one with cache-service's service role:
 * Courier's own namespaces ({@code courier.*}) and the status read model are for Courier's service identity only.
 *
 * <p>Build it at start-up, not on first use: an HTTP client loads the JDK's default TLS context (the whole trust store),
 * which must not happen on an event-loop thread in the middle of a request.
 */
public final class CacheServiceClient implements AutoCloseable {
    /** On a status read: how long cache-service may wait for the status to appear, in milliseconds. */
    public static final String STATUS_WAIT = "Courier-Status-Wait";
    /** The header that carries the API key (security module's {@code AccessGate.API_KEY_HEADER}). */
    public static final String API_KEY = "X-Api-Key";
    /** On a status read or cancel: the query parameter naming the tenant whose invocation it must be. */
    public static final String TENANT = "tenant";

    private static final Logger LOG = Logger.getLogger(CacheServiceClient.class);
    private static final Duration FIRST_RETRY_PAUSE = Duration.ofMillis(100);
    private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(5);
    private static final int LIST_PAGE = 1000;

    /** The most writes one {@link #writeAll} call may carry (cache-service's limit). */
    public static final int MAX_WRITES_PER_CALL = 500;

    private final URI base;
    private final Duration timeout;
    private final Optional<String> apiKey;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * A client of the cache-service at {@code base}.
     *
     * @param base cache-service's URL, e.g. {@code http://courier-cache:8082}
     * @param timeout how long one call may take (connect and answer)
     * @param threadName the name of the client's threads, for thread dumps
     */
    public CacheServiceClient(URI base, Duration timeout, String threadName) {
        this(base, timeout, threadName, Optional.empty());
    }

    /**
     * A client of the cache-service at {@code base} that authenticates with {@code apiKey}.
     *
     * @param base cache-service's URL, e.g. {@code http://courier-cache:8082}
     * @param timeout how long one call may take (connect and answer)
     * @param threadName the name of the client's threads, for thread dumps
     * @param apiKey the service API key to present ({@code X-Api-Key}); empty when cache-service's authentication is
     *     off. A secret: never logged
     */
    public CacheServiceClient(URI base, Duration timeout, String threadName, Optional<String> apiKey) {
        this.base = base;
        this.timeout = timeout;
        this.apiKey = apiKey.filter(key -> !key.isBlank());
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
    }

    /** Reads {@code namespace/key}: 200 with the value, 404 when there is none. */
    public CompletionStage<Reply> get(String namespace, String key) {
        return send(request(valuePath(namespace, key)).GET().build());
    }

    /**
     * Stores {@code value} at {@code namespace/key}, for {@code ttl} (null: no expiry), if {@code precondition} holds:
     * 201 created or 200 replaced, 412 when the precondition failed.
     */
    public CompletionStage<Reply> put(
            String namespace, String key, byte[] value, Duration ttl, Precondition precondition) {
        String path = valuePath(namespace, key) + (ttl == null ? "" : "?ttlSeconds=" + Math.max(1, ttl.toSeconds()));
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value));
        precondition.applyTo(request);
        return send(request.build());
    }

    /**
     * Many {@link #put}s to {@code namespace} in one call (cache-service's {@code POST /v1/cache/{namespace}}, at most
     * {@value #MAX_WRITES_PER_CALL} writes): one reply per write, in order, each with the status and ETag its own put
     * would have been answered with. When the call as a whole is not answered 200, every reply has that status.
     */
    public CompletionStage<List<Reply>> writeAll(String namespace, List<Write> writes) {
        if (writes.isEmpty() || writes.size() > MAX_WRITES_PER_CALL) {
            throw new IllegalArgumentException(
                    "1 to " + MAX_WRITES_PER_CALL + " writes per call, not " + writes.size());
        }
        ObjectNode body = mapper.createObjectNode();
        ArrayNode entries = body.putArray("writes");
        for (Write write : writes) {
            ObjectNode entry = entries.addObject()
                    .put("key", write.key())
                    .put("valueBase64", Base64.getEncoder().encodeToString(write.value()))
                    .put("contentType", "application/json");
            if (write.ttl() != null) {
                entry.put("ttlSeconds", Math.max(1, write.ttl().toSeconds()));
            }
            if (write.precondition() instanceof Precondition.Absent) {
                entry.put("ifNoneMatch", "*");
            } else if (write.precondition() instanceof Precondition.Matching matching) {
                entry.put("ifMatch", matching.etag());
            }
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest request = request("/v1/cache/" + namespace)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                .build();
        return send(request).thenApply(reply -> replies(reply, writes.size()));
    }

    /** The bulk answer {@code reply} as one reply per write. */
    private List<Reply> replies(Reply reply, int count) {
        List<Reply> replies = new ArrayList<>(count);
        JsonNode results = null;
        if (reply.status() == 200) {
            try {
                results = mapper.readTree(reply.body()).path("results");
            } catch (IOException e) {
                results = null;
            }
        }
        if (results == null || results.size() != count) {
            for (int i = 0; i < count; i++) {
                replies.add(new Reply(reply.status() == 200 ? 502 : reply.status(), new byte[0], Optional.empty()));
            }
            return replies;
        }
        for (JsonNode result : results) {
            replies.add(new Reply(
                    result.path("status").asInt(502),
                    new byte[0],
                    result.path("etag").isTextual()
                            ? Optional.of(result.get("etag").asText())
                            : Optional.empty()));
        }
        return replies;
    }

    /** Deletes {@code namespace/key} if {@code precondition} holds: 204, 404 when there is none, 412. */
    public CompletionStage<Reply> delete(String namespace, String key, Precondition precondition) {
        HttpRequest.Builder request = request(valuePath(namespace, key)).DELETE();
        precondition.applyTo(request);
        return send(request.build());
    }

    /** Every key of {@code namespace}, page by page; blocks. */
    public List<String> keys(String namespace) throws IOException, InterruptedException {
        List<String> keys = new ArrayList<>();
        String cursor = null;
        do {
            String path = "/v1/cache/" + namespace + "?limit=" + LIST_PAGE
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpResponse<byte[]> response = client.send(request(path).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("cache-service answered " + response.statusCode() + " to a list of " + namespace);
            }
            JsonNode page = mapper.readTree(response.body());
            page.path("keys").forEach(key -> keys.add(key.asText()));
            cursor =
                    page.path("nextCursor").isTextual() ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        return keys;
    }

    /**
     * The status document of invocation {@code id}, whoever it belongs to: 200, or 404 when the status read model does
     * not know it, after waiting up to {@code wait} (zero: not at all) for it to appear.
     */
    public CompletionStage<Reply> status(String id, Duration wait) {
        return status(id, wait, null);
    }

    /**
     * The status document of invocation {@code id} of {@code tenant} (null: any): 200, or 404 when the status read
     * model does not know it or it is another tenant's (alike, and after the same wait), after waiting up to
     * {@code wait} (zero: not at all) for it to appear.
     */
    public CompletionStage<Reply> status(String id, Duration wait, String tenant) {
        HttpRequest.Builder request = authenticated(
                        HttpRequest.newBuilder(base.resolve("/v1/status/" + encode(id) + tenantQuery(tenant))))
                .timeout(timeout.plus(wait))
                .GET();
        if (!wait.isZero()) {
            request.header(STATUS_WAIT, Long.toString(wait.toMillis()));
        }
        return send(request.build());
    }

    /**
     * Records that invocation {@code id} is to be cancelled: 200 with the status document (status {@code CANCELLED}),
     * 404 when the invocation is unknown, 409 when it has already ended otherwise.
     */
    public CompletionStage<Reply> cancel(String id) {
        return cancel(id, null);
    }

    /** {@link #cancel(String)} of an invocation of {@code tenant} (null: any); another tenant's is 404. */
    public CompletionStage<Reply> cancel(String id, String tenant) {
        return send(request("/v1/status/" + encode(id) + "/cancel" + tenantQuery(tenant))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    }

    /** Stores {@code value} at {@code namespace/key} unconditionally, retrying until cache-service has taken it. */
    public CompletionStage<Void> putDurably(String namespace, String key, byte[] value) {
        return untilTaken(
                "put " + namespace + "/" + key,
                () -> put(namespace, key, value, null, Precondition.NONE),
                false,
                FIRST_RETRY_PAUSE);
    }

    /** Deletes {@code namespace/key}, retrying until cache-service has taken it (a key already gone is fine). */
    public CompletionStage<Void> deleteDurably(String namespace, String key) {
        return untilTaken(
                "delete " + namespace + "/" + key,
                () -> delete(namespace, key, Precondition.NONE),
                true,
                FIRST_RETRY_PAUSE);
    }

    private CompletionStage<Void> untilTaken(
            String what, Supplier<CompletionStage<Reply>> call, boolean goneIsFine, Duration pause) {
        return call.get()
                .handle((reply, error) -> {
                    if (error == null && (reply.status() / 100 == 2 || (goneIsFine && reply.status() == 404))) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    LOG.warnf(
                            "cache-service did not take %s (%s); trying again in %d ms",
                            what, error != null ? error.toString() : "status " + reply.status(), pause.toMillis());
                    Duration longer = pause.multipliedBy(2).compareTo(MAX_RETRY_PAUSE) > 0
                            ? MAX_RETRY_PAUSE
                            : pause.multipliedBy(2);
                    return CompletableFuture.supplyAsync(
                                    () -> null,
                                    CompletableFuture.delayedExecutor(
                                            pause.toMillis(), TimeUnit.MILLISECONDS, executor))
                            .thenCompose(ignored -> untilTaken(what, call, goneIsFine, longer));
                })
                .thenCompose(next -> next);
    }

    private HttpRequest.Builder request(String path) {
        return authenticated(HttpRequest.newBuilder(base.resolve(path))).timeout(timeout);
    }

    private HttpRequest.Builder authenticated(HttpRequest.Builder request) {
        apiKey.ifPresent(key -> request.header(API_KEY, key));
        return request;
    }

    private static String tenantQuery(String tenant) {
        return tenant == null ? "" : "?" + TENANT + "=" + encode(tenant);
    }

    private CompletionStage<Reply> send(HttpRequest request) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> new Reply(
                        response.statusCode(),
                        response.body(),
                        response.headers().firstValue("ETag")));
    }

    private static String valuePath(String namespace, String key) {
        return "/v1/cache/" + namespace + "/" + encode(key);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /**
     * What cache-service answered.
     *
     * @param status the HTTP status
     * @param body the body (empty when there was none)
     * @param etag the ETag, if any
     */
    public record Reply(int status, byte[] body, Optional<String> etag) {
        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * One write of {@link #writeAll}.
     *
     * @param key the key
     * @param value the value (JSON)
     * @param ttl how long it lives; null for no expiry
     * @param precondition the condition it is made under
     */
    public record Write(String key, byte[] value, Duration ttl, Precondition precondition) {}

    /** The condition a write is made under. */
    public sealed interface Precondition {
        /** No condition. */
        Precondition NONE = new None();

        /** Only if nothing (unexpired) is there: {@code If-None-Match: *}. */
        Precondition ABSENT = new Absent();

        /** Only if the current version is {@code etag} (as cache-service sent it, quotes included). */
        static Precondition matching(String etag) {
            return new Matching(etag);
        }

        /** Adds the condition's header to {@code request}. */
        void applyTo(HttpRequest.Builder request);

        /** No condition. */
        record None() implements Precondition {
            @Override
            public void applyTo(HttpRequest.Builder request) {}
        }

        /** {@code If-None-Match: *}. */
        record Absent() implements Precondition {
            @Override
            public void applyTo(HttpRequest.Builder request) {
                request.header("If-None-Match", "*");
            }
        }

        /**
         * {@code If-Match}.
         *
         * @param etag the version required
         */
        record Matching(String etag) implements Precondition {
            @Override
            public void applyTo(HttpRequest.Builder request) {
                request.header("If-Match", etag);
            }
        }
    }
}
