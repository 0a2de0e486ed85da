package dev.courier.cache.api;

import java.nio.charset.StandardCharsets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.HttpHeaders;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.store.CacheEntry;
import dev.courier.cache.store.CacheStore;
import dev.courier.security.AccessDenied;
import dev.courier.security.AccessGate;
import dev.courier.security.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The cache's hot path: {@code GET /v1/cache/{namespace}/{key}} of a value this instance holds, answered by a Vert.x
 * route ahead of the REST layer, on the event loop, straight from the {@link CacheStore}.
 *
 * <p>It answers only the two outcomes it gives exactly as {@link CacheResource#get} does, {@code 200} with the value
 * and {@code 304} for a matching {@code If-None-Match}, and only for a plain path (no percent-encoding, no dot
 * segment: then the key is the path as it is, whatever the decoding rules). Every other request, an absent or expired
 * key, a {@value CacheResource#MIN_TOKEN} to wait for, a namespace or key that is not valid, goes on unchanged to
 * {@link CacheResource}, which stays the one place that defines every answer of the API.
 *
 * <p>It authenticates as every request does ({@link AccessGate}) and reads the caller's namespace
 * ({@link TenantNamespaces}); a request without a valid credential, or a tenant's read of Courier's own namespace,
 * goes on to the REST layer too, which refuses it with the problem document.
 *
 * <p>Why: profiled under load, the REST layer's per-request machinery cost more CPU than the read itself
 * (docs/benchmarks.md).
 */
@ApplicationScoped
public class ValueReadRoute {
    private static final String PREFIX = "/v1/cache/";

    private final CacheStore store;
    private final AccessGate gate;
    private final int maxKeyBytes;
    private final Counter found;
    private final Counter notModified;

    public ValueReadRoute(CacheStore store, AccessGate gate, CacheConfig config, MeterRegistry registry) {
        this.store = store;
        this.gate = gate;
        this.maxKeyBytes = config.maxKeyBytes();
        // The same counters CacheResource counts its reads with.
        this.found = registry.counter("courier.cache.requests", "operation", "get", "result", "200");
        this.notModified = registry.counter("courier.cache.requests", "operation", "get", "result", "304");
    }

    void register(@Observes Router router) {
        router.get(PREFIX + "*")
                .order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT)
                .handler(this::read);
    }

    void read(RoutingContext context) {
        HttpServerRequest request = context.request();
        String path = request.path();
        int slash = path.indexOf('/', PREFIX.length());
        if (request.getHeader(CacheResource.MIN_TOKEN) != null
                || slash < 0
                || slash == path.length() - 1
                || path.indexOf('%') >= 0
                || path.contains("/.")
                || path.contains("//")) {
            context.next();
            return;
        }
        String namespace = path.substring(PREFIX.length(), slash);
        String key = path.substring(slash + 1);
        if (!CacheResource.NAMESPACE.matcher(namespace).matches()
                || key.getBytes(StandardCharsets.UTF_8).length > maxKeyBytes) {
            context.next();
            return;
        }
        if (gate.mayWaitOnNetwork(request::getHeader)) {
            // A JWT whose keys may have to be fetched is verified on a worker, by the REST path's filter: never here,
            // on the event loop.
            context.next();
            return;
        }
        String stored;
        try {
            Caller caller = gate.authenticate(request::getHeader);
            stored = TenantNamespaces.stored(caller, namespace, gate.defaultTenant());
        } catch (AccessDenied e) {
            context.next();
            return;
        }
        CacheEntry entry = store.get(stored, key).orElse(null);
        if (entry == null) {
            context.next();
            return;
        }
        String etag = "\"" + entry.etag() + "\"";
        if (etag.equals(request.getHeader(HttpHeaders.IF_NONE_MATCH))) {
            notModified.increment();
            context.response()
                    .setStatusCode(304)
                    .putHeader(HttpHeaders.ETAG, etag)
                    .end();
            return;
        }
        found.increment();
        context.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, entry.contentType())
                .putHeader(HttpHeaders.ETAG, etag)
                .end(Buffer.buffer(entry.value()));
    }
}
