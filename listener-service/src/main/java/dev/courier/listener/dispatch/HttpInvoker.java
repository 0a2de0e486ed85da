package dev.courier.listener.dispatch;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.TargetType;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.secret.SealedHeaders.UnreadableHeaderException;
import dev.courier.listener.config.ListenerConfig;

/**
 * Calls an HTTP target exactly as the request describes it: method, URL plus query, headers and body, with the
 * per-attempt timeout. Every call also carries {@code Idempotency-Key} (the invocation id), {@code Courier-Attempt}
 * and {@code Courier-Correlation-Id}, so that a target can make a retried or redelivered call harmless.
 *
 * <p>Sealed header values are opened here, into the call and nowhere else; one that does not open ends the
 * invocation {@code Rejected} ({@code InvalidRequest}) without a call: sending it sealed would help no target.
 */
@ApplicationScoped
public class HttpInvoker implements Invoker {
    private final OutboundHttp http;
    private final ObjectMapper mapper;
    private final Map<String, ListenerConfig.Route> routes;
    private final SealedHeaders sealing;

    public HttpInvoker(OutboundHttp http, ObjectMapper mapper, SealedHeaders sealing, ListenerConfig config) {
        this.http = http;
        this.mapper = mapper;
        this.sealing = sealing;
        this.routes = config.routes();
    }

    @Override
    public TargetType targetType() {
        return TargetType.HTTP;
    }

    @Override
    public CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt) {
        long start = System.nanoTime();
        String routeName = request.target().route();
        ListenerConfig.Route route = routeName == null ? null : routes.get(routeName);
        if (routeName != null && route == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(new AttemptResult.Failed(
                    ErrorCodes.UNSUPPORTED_TARGET,
                    "no route named " + routeName + " is configured",
                    false,
                    Duration.ZERO));
        }
        HttpRequest call;
        try {
            String base = route != null
                    ? routeUrl(route.url(), request.target().path())
                    : request.target().url();
            call = build(request, targetUri(base, request.query()), attempt);
        } catch (IllegalArgumentException | UnreadableHeaderException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(new AttemptResult.Failed(
                    ErrorCodes.INVALID_REQUEST, "cannot build the call: " + e.getMessage(), false, Duration.ZERO));
        }
        return http.send(call, route != null && route.allowPrivate()).handle((exchange, error) -> {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (error == null) {
                return new AttemptResult.Responded(
                        exchange.status(),
                        exchange.contentType().orElse(null),
                        exchange.body(),
                        exchange.truncated(),
                        exchange.retryAfter().orElse(null),
                        elapsed);
            }
            return failure(
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error,
                    elapsed);
        });
    }

    private static AttemptResult failure(Throwable error, Duration elapsed) {
        if (error instanceof EgressRefusedException) {
            return new AttemptResult.Failed(ErrorCodes.TARGET_NOT_ALLOWED, error.getMessage(), false, elapsed);
        }
        if (error instanceof HttpConnectTimeoutException) {
            return new AttemptResult.Failed(ErrorCodes.TARGET_UNREACHABLE, "connect timed out", true, elapsed);
        }
        if (error instanceof HttpTimeoutException) {
            return new AttemptResult.Failed(
                    ErrorCodes.TARGET_TIMEOUT, "no response within the attempt timeout", true, elapsed);
        }
        String message = error.getMessage() != null
                ? error.getMessage()
                : error.getClass().getSimpleName();
        return new AttemptResult.Failed(ErrorCodes.TARGET_UNREACHABLE, message, true, elapsed);
    }

    HttpRequest build(InvocationRequest request, URI uri, int attempt) throws UnreadableHeaderException {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(request.effectiveTimeoutSeconds()));
        if (request.headers() != null) {
            for (Map.Entry<String, String> header : request.headers().entrySet()) {
                if (ForwardedHeaders.forwardable(header.getKey())) {
                    String value =
                            sealing.open(request.id(), SealedHeaders.HEADERS, header.getKey(), header.getValue());
                    ForwardedHeaders.add(builder, header.getKey(), value);
                }
            }
        }
        RequestBody body = RequestBody.of(request, mapper);
        if (body.bytes() != null && body.contentType() != null) {
            builder.header("Content-Type", body.contentType());
        }
        builder.header(CourierHeaders.IDEMPOTENCY_KEY, request.id())
                .header(CourierHeaders.ATTEMPT, Integer.toString(attempt))
                .header(CourierHeaders.CORRELATION_ID, request.effectiveCorrelationId());
        builder.method(
                request.target().effectiveMethod(),
                body.bytes() == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        return builder.build();
    }

    /**
     * A route's URL with the request's {@code path} (null for none) appended after a {@code /}, before the route's own
     * query and fragment: route {@code https://h/api?v=1} and path {@code orders/42} give
     * {@code https://h/api/orders/42?v=1}. The path was validated as relative without dot segments, so the call stays
     * below the route's base path.
     */
    static String routeUrl(URI route, String path) {
        String url = route.toString();
        if (path == null) {
            return url;
        }
        int end = url.length();
        int query = url.indexOf('?');
        int fragment = url.indexOf('#');
        if (fragment >= 0) {
            end = fragment;
        }
        if (query >= 0 && query < end) {
            end = query;
        }
        String head = url.substring(0, end);
        String separator = head.endsWith("/") ? "" : "/";
        return head + separator + path + url.substring(end);
    }

    /** {@code url} with the request's query parameters appended, percent-encoded. */
    static URI targetUri(String url, Map<String, List<String>> query) {
        if (query == null || query.isEmpty()) {
            return URI.create(url);
        }
        StringBuilder uri = new StringBuilder(url);
        int fragment = url.indexOf('#');
        String tail = "";
        if (fragment >= 0) {
            tail = uri.substring(fragment);
            uri.setLength(fragment);
        }
        char separator = url.indexOf('?') >= 0 ? '&' : '?';
        for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
            for (String value : parameter.getValue()) {
                uri.append(separator)
                        .append(encode(parameter.getKey()))
                        .append('=')
                        .append(encode(value));
                separator = '&';
            }
        }
        return URI.create(uri.append(tail).toString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
