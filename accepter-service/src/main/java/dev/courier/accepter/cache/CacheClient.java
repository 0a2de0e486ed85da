package dev.courier.accepter.cache;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.accepter.config.AccepterConfig;
import io.quarkus.runtime.Startup;

/**
 * The accepter's client of cache-service: invocation status, cancellation markers and idempotency keys live there.
 * Plain JDK HTTP client (no REST-client extension, which would clash with the OCI SDK, see BUILD-NOTES).
 *
 * <p>Created at start-up, not on first use: building an HTTP client loads the JDK's default TLS context (the whole
 * trust store), which must not happen on an event-loop thread in the middle of a request.
 */
@Startup
@ApplicationScoped
public class CacheClient {
    private final URI base;
    private final Duration timeout;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "courier-cache-client");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client;

    public CacheClient(AccepterConfig config) {
        this.base = config.cacheUrl();
        this.timeout = config.statusTimeout();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
    }

    /** Reads {@code namespace/key}; fails when cache-service does not answer in time. */
    public CompletionStage<Reply> get(String namespace, String key) {
        return send(request(namespace, key, null).GET().build());
    }

    /**
     * Stores {@code value} at {@code namespace/key} for {@code ttl}: only if nothing is there when {@code ifMatch} is
     * null ({@code If-None-Match: *}), else only if the current ETag is {@code ifMatch}. 201 or 200 when stored, 412
     * when the condition failed.
     */
    public CompletionStage<Reply> put(String namespace, String key, String value, Duration ttl, String ifMatch) {
        HttpRequest.Builder request = request(namespace, key, "ttlSeconds=" + Math.max(1, ttl.toSeconds()))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(value));
        if (ifMatch == null) {
            request.header("If-None-Match", "*");
        } else {
            request.header("If-Match", ifMatch);
        }
        return send(request.build());
    }

    /** Deletes {@code namespace/key} if its ETag is {@code ifMatch}. */
    public CompletionStage<Reply> delete(String namespace, String key, String ifMatch) {
        return send(request(namespace, key, null)
                .header("If-Match", ifMatch)
                .DELETE()
                .build());
    }

    private HttpRequest.Builder request(String namespace, String key, String query) {
        String path = "/v1/cache/" + namespace + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8)
                + (query == null ? "" : "?" + query);
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
    }

    private CompletionStage<Reply> send(HttpRequest request) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> new Reply(
                        response.statusCode(),
                        response.body(),
                        response.headers().firstValue("ETag")));
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }

    /**
     * What cache-service answered.
     *
     * @param status HTTP status
     * @param body the body
     * @param etag the ETag, if any
     */
    public record Reply(int status, String body, Optional<String> etag) {}
}
