package dev.courier.testing.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on 127.0.0.1 and a free port that records every request it receives and answers as told: the
 * target or callback endpoint of a test. By default it answers 200 with {@code {"ok":true}}.
 */
public final class RecordingHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    private volatile Function<RecordedRequest, Reply> responder = request -> Reply.json(200, "{\"ok\":true}");
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();

    private RecordingHttpServer(HttpServer server) {
        this.server = server;
    }

    /** Starts a server on 127.0.0.1 with a free port. */
    public static RecordingHttpServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            RecordingHttpServer recording = new RecordingHttpServer(server);
            server.createContext("/", recording::handle);
            // A thread per concurrent request: a slow target must not cap the concurrency a test measures.
            server.setExecutor(Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "recording-http-server");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
            return recording;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The absolute URL of {@code path} on this server, e.g. {@code http://127.0.0.1:41234/hook}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** How to answer from now on. */
    public void respondWith(Function<RecordedRequest, Reply> responder) {
        this.responder = responder;
    }

    /** Every request received so far, in arrival order. */
    public List<RecordedRequest> received() {
        return List.copyOf(received);
    }

    /** The most requests this server has had open (received, not yet answered) at the same time. */
    public int peakOpen() {
        return peakOpen.get();
    }

    /** Waits until {@code count} received requests match {@code condition}; fails after {@code timeout}. */
    public List<RecordedRequest> await(Predicate<RecordedRequest> condition, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<RecordedRequest> matching = received.stream().filter(condition).toList();
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " matching request(s) within " + timeout + ", got "
                        + matching.size() + " of " + received.size() + " received");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Waits for the first received request matching {@code condition}. */
    public RecordedRequest awaitOne(Predicate<RecordedRequest> condition, Duration timeout) {
        return await(condition, 1, timeout).get(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            URI uri = exchange.getRequestURI();
            RecordedRequest request = new RecordedRequest(
                    exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body, Instant.now());
            Reply reply = responder.apply(request);
            received.add(request);
            reply.headers()
                    .forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            if (!reply.delay().isZero() && !reply.delay().isNegative()) {
                try {
                    Thread.sleep(reply.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            if (reply.body().length > 0) {
                exchange.getResponseBody().write(reply.body());
            }
        } finally {
            open.decrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /**
     * One request as received.
     *
     * @param method HTTP method
     * @param path raw path
     * @param query raw query string, or null
     * @param headers headers by case-insensitive name
     * @param body the body bytes
     * @param receivedAt when it arrived
     */
    public record RecordedRequest(
            String method,
            String path,
            String query,
            Map<String, List<String>> headers,
            byte[] body,
            Instant receivedAt) {

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The body as UTF-8 text. */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * How to answer a request.
     *
     * @param status HTTP status
     * @param contentType Content-Type, or null
     * @param body body bytes
     * @param headers extra response headers
     * @param delay how long to wait before answering
     */
    public record Reply(int status, String contentType, byte[] body, Map<String, String> headers, Duration delay) {

        /** A JSON answer. */
        public static Reply json(int status, String json) {
            return new Reply(
                    status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of(), Duration.ZERO);
        }

        /** A plain-text answer. */
        public static Reply text(int status, String text) {
            return new Reply(
                    status,
                    "text/plain; charset=utf-8",
                    text.getBytes(StandardCharsets.UTF_8),
                    Map.of(),
                    Duration.ZERO);
        }

        /** This answer, sent after {@code delay}. */
        public Reply after(Duration delay) {
            return new Reply(status, contentType, body, headers, delay);
        }

        /** This answer with one more header. */
        public Reply withHeader(String name, String value) {
            Map<String, String> more = new TreeMap<>(headers);
            more.put(name, value);
            return new Reply(status, contentType, body, more, delay);
        }
    }
}
