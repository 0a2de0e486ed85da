package dev.courier.bench;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The HTTP target of the delivery and end-to-end benchmarks: answers {@code 200 {}} at once, or after {@code N} ms
 * for a path {@code /delay/N}, without a thread per waiting request (a timer on the event loop), so that thousands of
 * slow calls can be open at once and the target is never what limits the listener.
 *
 * <p>It counts the calls it receives (first and last arrival, the most open at once) and, for a call that carries
 * {@value #SENT_AT} (epoch microseconds, set by the load generator inside the invocation request's headers), records
 * how long after that instant the call arrived: the accept → target latency. {@code GET /_stats} prints the counts as
 * one line of {@code name=value}; {@code POST /_reset} starts them again and answers how many calls it forgot
 * ({@code count=N}). Neither is counted.
 */
final class TargetServer extends AbstractVerticle {
    static final String SENT_AT = "Bench-Sent-At";
    private static final String DELAY_PREFIX = "/delay/";

    private final Stats stats;
    private final int port;

    private TargetServer(Stats stats, int port) {
        this.stats = stats;
        this.port = port;
    }

    /** {@code target --port P [--threads T]}: serves until killed. */
    static void run(Options options) {
        int port = options.integer("port", 19000);
        int threads = options.integer("threads", 1);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
        Stats stats = new Stats();
        vertx.deployVerticle(() -> new TargetServer(stats, port), new DeploymentOptions().setInstances(threads))
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        System.out.println("bench target listening on http://127.0.0.1:" + port + " (" + threads + " event loop(s))");
    }

    @Override
    public void start(io.vertx.core.Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions()
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setAcceptBacklog(4096)
                        .setTcpNoDelay(true))
                .requestHandler(this::handle)
                .listen()
                .<Void>mapEmpty()
                .onComplete(started);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (path.startsWith("/_")) {
            control(request, path);
            return;
        }
        long arrivedMicros = Clock.epochMicros();
        stats.arrived(arrivedMicros, request.getHeader(SENT_AT));
        long delayMs = path.startsWith(DELAY_PREFIX) ? Long.parseLong(path.substring(DELAY_PREFIX.length())) : 0;
        request.end().onComplete(body -> {
            if (delayMs <= 0) {
                answer(request);
            } else {
                vertx.setTimer(delayMs, timer -> answer(request));
            }
        });
    }

    private void answer(HttpServerRequest request) {
        stats.open.decrementAndGet();
        request.response().putHeader("Content-Type", "application/json").end("{}");
    }

    private void control(HttpServerRequest request, String path) {
        switch (path) {
            case "/_stats" -> request.response()
                    .putHeader("Content-Type", "text/plain")
                    .end(stats.line() + "\n");
            case "/_reset" -> request.response()
                    .putHeader("Content-Type", "text/plain")
                    .end("count=" + stats.reset() + "\n");
            default -> request.response().setStatusCode(404).end();
        }
    }

    /** What arrived; updated from every event loop. */
    static final class Stats {
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong firstMicros = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong lastMicros = new AtomicLong(Long.MIN_VALUE);
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicInteger peakOpen = new AtomicInteger();
        private final Latencies sinceSent = new Latencies();

        void arrived(long arrivedMicros, String sentAt) {
            count.incrementAndGet();
            firstMicros.accumulateAndGet(arrivedMicros, Math::min);
            lastMicros.accumulateAndGet(arrivedMicros, Math::max);
            peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            if (sentAt != null) {
                try {
                    sinceSent.recordMicros(arrivedMicros - Long.parseLong(sentAt.trim()));
                } catch (NumberFormatException ignored) {
                    // not one of ours: counted, not timed
                }
            }
        }

        /** Starts counting again; answers the count until now. */
        long reset() {
            long forgotten = count.getAndSet(0);
            firstMicros.set(Long.MAX_VALUE);
            lastMicros.set(Long.MIN_VALUE);
            peakOpen.set(open.get());
            sinceSent.reset();
            return forgotten;
        }

        /**
         * {@code count, first_us, last_us, rate} (calls per second between the first and the last arrival), {@code
         * peak_open} (most calls open at once), then the latency since {@value #SENT_AT} as {@code e2e_*}.
         */
        String line() {
            long n = count.get();
            long first = firstMicros.get();
            long last = lastMicros.get();
            double rate = n > 1 && last > first ? (n - 1) * 1e6 / (last - first) : 0;
            return String.format(
                    Locale.ROOT,
                    "count=%d first_us=%d last_us=%d rate=%.1f peak_open=%d %s",
                    n,
                    n > 0 ? first : 0,
                    n > 0 ? last : 0,
                    rate,
                    peakOpen.get(),
                    sinceSent.summary("e2e_"));
        }
    }
}
