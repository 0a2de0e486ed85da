package dev.courier.listener.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.listener.config.ListenerConfig;

/**
 * Every HTTP call Courier makes to the outside, to targets and to callbacks, goes through here: the address is checked
 * against the {@link EgressPolicy} first, redirects are never followed (a redirect could lead past that check), and
 * the response body kept is bounded.
 */
@ApplicationScoped
public class OutboundHttp {
    private final HttpClient client;
    private final EgressPolicy egress;
    private final int maxResponseBytes;
    /** Name resolution for the egress check blocks; it runs here, never on a caller's thread. */
    private final ExecutorService resolver = Executors.newCachedThreadPool(new NamedThreads("courier-egress-check"));

    public OutboundHttp(ListenerConfig config, EgressPolicy egress) {
        this.egress = egress;
        this.maxResponseBytes = config.dispatch().maxResponseBytes();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.dispatch().connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newCachedThreadPool(new NamedThreads("courier-http")))
                .build();
    }

    /**
     * Sends {@code request} if its address is allowed. The stage fails with {@link EgressRefusedException} when it is
     * not, with {@link java.net.http.HttpTimeoutException} on a timeout and with another {@link IOException} when no
     * exchange took place.
     */
    public CompletionStage<Exchange> send(HttpRequest request) {
        return send(request, false);
    }

    /**
     * Sends {@code request}; with {@code privateAllowed} (a configured route that allows it), loopback and
     * private-network addresses are allowed too.
     */
    public CompletionStage<Exchange> send(HttpRequest request, boolean privateAllowed) {
        return CompletableFuture.supplyAsync(() -> egress.refusal(request.uri(), privateAllowed), resolver)
                .thenCompose(refusal -> refusal.isPresent()
                        ? CompletableFuture.failedFuture(new EgressRefusedException(refusal.get()))
                        : client.sendAsync(request, info -> new BoundedBody(maxResponseBytes)))
                .thenApply(response -> new Exchange(
                        response.statusCode(),
                        response.headers().firstValue("Content-Type"),
                        response.headers().firstValue("Retry-After"),
                        response.body().bytes(),
                        response.body().truncated(),
                        response.uri()));
    }

    @PreDestroy
    void close() {
        resolver.shutdownNow();
    }

    /**
     * A completed HTTP exchange.
     *
     * @param status the response status
     * @param contentType the response's Content-Type, if any
     * @param retryAfter the response's Retry-After, if any
     * @param body the response body, at most the configured maximum
     * @param truncated whether the body was longer and has been cut
     * @param uri the URI that was called
     */
    public record Exchange(
            int status,
            Optional<String> contentType,
            Optional<String> retryAfter,
            byte[] body,
            boolean truncated,
            URI uri) {}

    /** The egress policy refused the address; no connection was attempted. */
    public static final class EgressRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        EgressRefusedException(String reason) {
            super(reason);
        }
    }

    /** Collects a response body up to a limit, then cancels the rest of it. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<Body> {
        private final int limit;
        private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private boolean truncated;

        BoundedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int room = limit - collected.size();
                int take = Math.min(room, buffer.remaining());
                byte[] chunk = new byte[take];
                buffer.get(chunk);
                collected.write(chunk, 0, take);
                if (buffer.hasRemaining()) {
                    truncated = true;
                }
            }
            if (truncated) {
                subscription.cancel();
                result.complete(new Body(collected.toByteArray(), true));
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(new Body(collected.toByteArray(), truncated));
        }
    }

    private record Body(byte[] bytes, boolean truncated) {}

    /** Daemon threads with a recognisable name in thread dumps. */
    static final class NamedThreads implements java.util.concurrent.ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        NamedThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable runnable) {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
