package dev.courier.listener.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.listener.config.ListenerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

/**
 * Every HTTP call Courier makes to the outside, to targets and to callbacks, goes through here: the address is checked
 * against the {@link EgressPolicy} first, redirects are never followed (a redirect could lead past that check), and
 * the response body kept is bounded.
 *
 * <p>The connection goes to exactly the addresses that passed the check (the first that accepts a connection, in the
 * resolver's order): the name is resolved once, by the policy, and the Vert.x client is given the address as the
 * server to connect to ({@link RequestOptions#setServer}), so it never resolves the name itself and a DNS answer that
 * changes after the check (DNS rebinding) is never used. The URL still decides everything else: the {@code Host}
 * header, and for HTTPS the TLS server name (SNI) and the host name the certificate must match. Pooled connections
 * are kept per address and host name, so a connection is only reused for the address it was opened to.
 *
 * <p>Calls are made with the Vert.x HTTP client of the application's Vert.x instance: non-blocking, so a call that
 * waits for a slow target holds a connection and no thread. (The JDK's {@code HttpClient} used before cost about six
 * times the CPU per call here, and on a machine with fewer than three cores it starts a new thread for every
 * response: see docs/benchmarks.md.) The connection pool holds up to {@code max-in-flight} connections per target,
 * so that it never limits the listener's concurrency.
 *
 * <p>The per-attempt timeout ({@link HttpRequest#timeout()}) bounds the whole exchange: connecting, sending and
 * reading the response. Outcomes are reported with the JDK's exception types ({@link HttpConnectTimeoutException},
 * {@link HttpTimeoutException}, another {@link IOException} when no exchange took place), and completed on a worker
 * thread, never on an event loop: what follows a call (a Kafka send) may block.
 */
@ApplicationScoped
public class OutboundHttp {
    /** The most response header bytes accepted (Vert.x's default of 8 KiB is too tight for some targets). */
    private static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient client;
    private final EgressPolicy egress;
    private final int maxResponseBytes;
    /** Name resolution for the egress check blocks; it runs here, never on a caller's thread. */
    private final ExecutorService resolver = Executors.newCachedThreadPool(new NamedThreads("courier-egress-check"));
    /** Where the stages returned by {@link #send} complete. */
    private final ExecutorService completions = Executors.newCachedThreadPool(new NamedThreads("courier-http"));

    public OutboundHttp(ListenerConfig config, EgressPolicy egress, Vertx vertx) {
        this.vertx = vertx;
        this.egress = egress;
        this.maxResponseBytes = config.dispatch().maxResponseBytes();
        this.client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setConnectTimeout(
                                (int) config.dispatch().connectTimeout().toMillis())
                        .setKeepAlive(true)
                        .setVerifyHost(true)
                        .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES),
                new PoolOptions().setHttp1MaxSize(config.maxInFlight()));
    }

    /**
     * Sends {@code request} if its address is allowed. The stage fails with {@link EgressRefusedException} when it is
     * not, with {@link java.net.http.HttpTimeoutException} on a timeout and with another {@link IOException} when no
     * exchange took place ({@link UnknownHostException} when the name does not resolve).
     */
    public CompletionStage<Exchange> send(HttpRequest request) {
        return send(request, false);
    }

    /**
     * Sends {@code request}; with {@code privateAllowed} (a configured route that allows it), loopback and
     * private-network addresses are allowed too.
     */
    public CompletionStage<Exchange> send(HttpRequest request, boolean privateAllowed) {
        // An address literal needs no name resolution, so it is checked right here: handing every call to another
        // thread first cost about as much CPU as the check itself (docs/benchmarks.md).
        CompletableFuture<List<InetAddress>> permitted =
                isAddressLiteral(request.uri().getHost())
                        ? permitted(request.uri(), privateAllowed)
                        : CompletableFuture.supplyAsync(() -> permitted(request.uri(), privateAllowed), resolver)
                                .thenCompose(Function.identity());
        return permitted.thenCompose(addresses -> exchange(request, addresses));
    }

    /** The addresses {@code uri} may be connected to, or the policy's refusal or the failed look-up. */
    private CompletableFuture<List<InetAddress>> permitted(URI uri, boolean privateAllowed) {
        try {
            return CompletableFuture.completedFuture(egress.permitted(uri, privateAllowed));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether {@code host} is an IPv4 or (bracketed) IPv6 address rather than a name to resolve. */
    static boolean isAddressLiteral(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (host.charAt(0) == '[') {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** One HTTP exchange with one of {@code addresses}; the stage completes on {@link #completions}. */
    private CompletableFuture<Exchange> exchange(HttpRequest request, List<InetAddress> addresses) {
        byte[] body = bytesOf(request.bodyPublisher().orElse(null));

        Pending pending = new Pending();
        request.timeout()
                .ifPresent(timeout -> pending.timer = vertx.setTimer(
                        Math.max(1, timeout.toMillis()),
                        id -> pending.fail(new HttpTimeoutException("request timed out"))));
        open(request, addresses, 0, pending)
                .compose(call -> {
                    if (!pending.opened(call)) { // timed out while connecting
                        return Future.failedFuture(new HttpTimeoutException("request timed out"));
                    }
                    // read() is chained here, on the request's event loop and in the same task that sends it, so
                    // its handlers are in place before any of the response can arrive. Chained on the calling thread
                    // instead (as a further compose), it raced the event loop: when that thread was descheduled
                    // meanwhile, the response could arrive and end first, read() then failed on a response already
                    // read, and an answered call counted as a failed attempt and was made again (seen in CI).
                    return (body == null ? call.send() : call.send(Buffer.buffer(body)))
                            .compose(response -> read(response, request.uri()));
                })
                .onComplete(outcome -> {
                    if (outcome.succeeded()) {
                        pending.succeed(outcome.result());
                    } else {
                        pending.fail(ioFailure(outcome.cause()));
                    }
                });
        return pending.result;
    }

    /**
     * Opens the call to {@code addresses[index]}, or to the next address when that one cannot be connected to, until
     * none is left or the exchange has ended (timed out).
     */
    private Future<HttpClientRequest> open(
            HttpRequest request, List<InetAddress> addresses, int index, Pending pending) {
        return client.request(options(request, addresses.get(index)))
                .recover(error -> index + 1 < addresses.size() && !pending.decided()
                        ? open(request, addresses, index + 1, pending)
                        : Future.failedFuture(error));
    }

    /** The call as Vert.x is to make it: to the URL, but connected to {@code address}, which passed the check. */
    private static RequestOptions options(HttpRequest request, InetAddress address) {
        URI uri = request.uri();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.valueOf(request.method()))
                .setAbsoluteURI(uri.toString())
                .setServer(SocketAddress.inetSocketAddress(port(uri), literal(address)))
                .setFollowRedirects(false);
        request.headers().map().forEach((name, values) -> values.forEach(value -> options.addHeader(name, value)));
        return options;
    }

    /** The port {@code uri} names, or its scheme's. */
    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /**
     * The address as a literal without host name or scope: what Vert.x is given is then a number it cannot look up
     * again ({@link InetAddress#getHostAddress()} alone would keep an IPv6 scope).
     */
    private static String literal(InetAddress address) {
        try {
            return InetAddress.getByAddress(address.getAddress()).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + address.getAddress().length + " bytes", e);
        }
    }

    /**
     * An exchange under way. Whichever comes first decides its outcome, once: the response, an error, or the timeout,
     * which also cuts the connection (an HTTP/1.1 exchange cannot be abandoned otherwise).
     */
    private final class Pending {
        final CompletableFuture<Exchange> result = new CompletableFuture<>();
        private final AtomicBoolean decided = new AtomicBoolean();
        private volatile HttpClientRequest call;
        volatile long timer = -1;

        /** Whether the exchange has ended. */
        boolean decided() {
            return decided.get();
        }

        /** Answers false if the exchange already ended (timed out) before the connection was there. */
        boolean opened(HttpClientRequest opened) {
            call = opened;
            if (decided.get()) {
                opened.reset();
                return false;
            }
            return true;
        }

        void succeed(Exchange exchange) {
            decide(() -> result.complete(exchange));
        }

        void fail(Throwable error) {
            if (decide(() -> result.completeExceptionally(error)) && error instanceof HttpTimeoutException) {
                HttpClientRequest opened = call;
                if (opened != null) {
                    opened.reset();
                }
            }
        }

        private boolean decide(Runnable outcome) {
            if (!decided.compareAndSet(false, true)) {
                return false;
            }
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            try {
                completions.execute(outcome);
            } catch (RejectedExecutionException e) { // shutting down
                result.completeExceptionally(e);
            }
            return true;
        }
    }

    /** Reads the response, keeping at most {@code maxResponseBytes} of its body; cuts the connection after that. */
    private Future<Exchange> read(HttpClientResponse response, URI uri) {
        Promise<Exchange> read = Promise.promise();
        Buffer collected = Buffer.buffer();
        response.handler(chunk -> {
            int room = maxResponseBytes - collected.length();
            if (chunk.length() <= room) {
                collected.appendBuffer(chunk);
                return;
            }
            collected.appendBuffer(chunk, 0, Math.max(0, room));
            if (read.tryComplete(exchangeOf(response, collected, true, uri))) {
                response.request().reset(); // the rest is not wanted
            }
        });
        response.exceptionHandler(read::tryFail);
        response.endHandler(end -> read.tryComplete(exchangeOf(response, collected, false, uri)));
        return read.future();
    }

    private static Exchange exchangeOf(HttpClientResponse response, Buffer body, boolean truncated, URI uri) {
        return new Exchange(
                response.statusCode(),
                Optional.ofNullable(response.getHeader("Content-Type")),
                Optional.ofNullable(response.getHeader("Retry-After")),
                body.getBytes(),
                truncated,
                uri);
    }

    /** A failure in the terms {@link #send} promises: the JDK client's timeout types, else an {@link IOException}. */
    private static Throwable ioFailure(Throwable error) {
        if (error instanceof io.netty.channel.ConnectTimeoutException) {
            return new HttpConnectTimeoutException("connect timed out");
        }
        if (error instanceof IOException) {
            return error;
        }
        String message = error.getMessage() != null
                ? error.getMessage()
                : error.getClass().getSimpleName();
        return new IOException(message, error);
    }

    /**
     * The bytes a body publisher publishes, or null for none. The publishers used here ({@code ofByteArray},
     * {@code noBody}) publish synchronously when asked to.
     */
    static byte[] bytesOf(HttpRequest.BodyPublisher publisher) {
        if (publisher == null || publisher.contentLength() == 0) {
            return null;
        }
        CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            private final ByteArrayOutputStream collected = new ByteArrayOutputStream();

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer buffer) {
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                collected.write(chunk, 0, chunk.length);
            }

            @Override
            public void onError(Throwable error) {
                bytes.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                bytes.complete(collected.toByteArray());
            }
        });
        return bytes.join();
    }

    @PreDestroy
    void close() {
        client.close();
        resolver.shutdownNow();
        completions.shutdown();
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
