package dev.courier.listener.cache;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.listener.config.ListenerConfig;
import org.jboss.logging.Logger;

/**
 * The listener's calls to cache-service ({@code courier.listener.cache-url}): listing a namespace at start-up, and
 * the writes the listener owns (ordering-key lanes). A write is retried until cache-service takes it, because what
 * depends on it (an offset commit) must not go ahead without it.
 */
@Singleton
public class CacheService {
    private static final Logger LOG = Logger.getLogger(CacheService.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(5);

    private final Optional<URI> base;
    private final HttpClient client;
    private final ObjectMapper mapper;

    @Inject
    public CacheService(ListenerConfig config, ObjectMapper mapper) {
        this(config.cacheUrl(), mapper);
    }

    /** A client of the cache-service at {@code base}; none configured when empty. */
    public CacheService(Optional<URI> base, ObjectMapper mapper) {
        this.base = base;
        this.mapper = mapper;
        this.client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Whether a cache-service is configured. */
    public boolean configured() {
        return base.isPresent();
    }

    /** Every key of {@code namespace}, page by page. */
    public List<String> keys(String namespace) throws IOException, InterruptedException {
        List<String> keys = new ArrayList<>();
        String cursor = null;
        do {
            String path = "/v1/cache/" + namespace + "?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpResponse<byte[]> response = client.send(request(path).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("cache-service answered " + response.statusCode() + " to a list");
            }
            JsonNode page = mapper.readTree(response.body());
            page.path("keys").forEach(key -> keys.add(key.asText()));
            cursor =
                    page.path("nextCursor").isTextual() ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        return keys;
    }

    /** The value stored under {@code key}, empty if there is none. */
    public Optional<byte[]> get(String namespace, String key) throws IOException, InterruptedException {
        HttpResponse<byte[]> response =
                client.send(request(path(namespace, key)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return switch (response.statusCode()) {
            case 200 -> Optional.of(response.body());
            case 404 -> Optional.empty();
            default -> throw new IOException("cache-service answered " + response.statusCode() + " to a get");
        };
    }

    /** Stores {@code json} under {@code key}, retrying until cache-service has taken it. */
    public CompletionStage<Void> put(String namespace, String key, byte[] json) {
        return untilTaken(
                "put " + namespace + "/" + key,
                () -> request(path(namespace, key))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(json))
                        .build(),
                false,
                Duration.ofMillis(100));
    }

    /** Deletes {@code key}, retrying until cache-service has taken it (a key already gone is fine). */
    public CompletionStage<Void> delete(String namespace, String key) {
        return untilTaken(
                "delete " + namespace + "/" + key,
                () -> request(path(namespace, key)).DELETE().build(),
                true,
                Duration.ofMillis(100));
    }

    private CompletionStage<Void> untilTaken(
            String what, Supplier<HttpRequest> call, boolean goneIsFine, Duration pause) {
        return client.sendAsync(call.get(), HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error == null
                            && (response.statusCode() / 100 == 2 || (goneIsFine && response.statusCode() == 404))) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    LOG.warnf(
                            "cache-service did not take %s (%s); trying again in %d ms",
                            what,
                            error != null ? error.toString() : "status " + response.statusCode(),
                            pause.toMillis());
                    Executor later = CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS);
                    Duration longer = pause.multipliedBy(2).compareTo(MAX_RETRY_PAUSE) > 0
                            ? MAX_RETRY_PAUSE
                            : pause.multipliedBy(2);
                    return CompletableFuture.supplyAsync(() -> null, later)
                            .thenCompose(ignored -> untilTaken(what, call, goneIsFine, longer));
                })
                .thenCompose(next -> next);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.orElseThrow().resolve(path)).timeout(TIMEOUT);
    }

    private static String path(String namespace, String key) {
        return "/v1/cache/" + namespace + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8);
    }
}
