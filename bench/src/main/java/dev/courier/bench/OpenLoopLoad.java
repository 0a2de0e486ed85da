package dev.courier.bench;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * A fixed-rate (open-loop) load generator for {@code POST /v1/invocations}: request {@code i} is due at {@code start +
 * i / rate} whatever happened to the earlier ones, and its latency is measured from that due instant, so a slow
 * answer cannot hide the requests that should have been sent meanwhile (no coordinated omission; wrk, being
 * closed-loop, has that blind spot).
 *
 * <p>Each body is an invocation request of {@code --body-bytes} bytes for {@code --target}; with {@code --stamp true}
 * a measured request carries header {@value TargetServer#SENT_AT} = the due instant, so that the target can time
 * accept → target. Warm-up requests (the first {@code --warmup} seconds, at the same rate) are not stamped: they warm
 * this JVM up (its classes, its connections, its JIT), whose first second would otherwise be the tail of every
 * distribution it measures.
 *
 * <p>With {@code --prefer wait=N} every request carries that {@code Prefer} header: the caller waits for the
 * invocation's outcome (a {@code 200} when it ends within N s, else the {@code 202} after N s), and the answers of the
 * measured part are counted and timed apart by status ({@code measured_200}, {@code measured_202}, and the {@code
 * 200} answers' latency as {@code answered_200_*}).
 *
 * <p>Prints one line: {@code sent, completed, ok (2xx), rejected (other statuses), errors} (all requests, warm-up
 * included), {@code measured} (requests after the warm-up), {@code measured_ok} (of them, those answered 2xx: the
 * stamped calls the target should receive), {@code measured_200}, {@code measured_202}, {@code send_rate}, the
 * latency percentiles of the measured part, and those of its {@code 200} answers alone.
 */
final class OpenLoopLoad {
    private final Vertx vertx;
    private final HttpClient client;
    private final URI url;
    private final String target;
    private final int bodyBytes;
    private final boolean stamp;
    private final String prefer;
    private final Latencies latencies = new Latencies();
    private final Latencies answered200 = new Latencies();
    private final AtomicLong measured200 = new AtomicLong();
    private final AtomicLong measured202 = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong measuredOk = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Map<Integer, AtomicLong> rejected = new ConcurrentHashMap<>();
    private volatile String firstError;

    private OpenLoopLoad(Options options) {
        this.url = URI.create(options.required("url"));
        this.target = options.required("target");
        this.bodyBytes = options.integer("body-bytes", 1024);
        this.stamp = Boolean.parseBoolean(options.text("stamp", "false"));
        this.prefer = options.text("prefer", null);
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        this.client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(url.getHost())
                        .setDefaultPort(url.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(options.integer("connections", 256)));
    }

    /**
     * {@code load --url U --target T --rate R --duration S [--warmup S] [--connections C] [--stamp true] [--prefer
     * wait=N] [--drain S]}; {@code --drain}: how long to wait for the last answers after the last request is sent.
     */
    static void run(Options options) throws InterruptedException {
        OpenLoopLoad load = new OpenLoopLoad(options);
        try {
            System.out.println(load.drive(
                    options.decimal("rate", 500),
                    options.decimal("duration", 5),
                    options.decimal("warmup", 0),
                    options.integer("drain", 30)));
        } finally {
            load.vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private String drive(double rate, double durationSeconds, double warmupSeconds, int drainSeconds)
            throws InterruptedException {
        Context context = vertx.getOrCreateContext();
        double periodNanos = 1e9 / rate;
        long total = Math.round((warmupSeconds + durationSeconds) * rate);
        long warmup = Math.round(warmupSeconds * rate);
        long startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long startMicros = Clock.epochMicros() + 50_000;
        long measuredFromNanos = 0;
        for (long i = 0; i < total; i++) {
            long due = startNanos + (long) (i * periodNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            boolean measured = i >= warmup;
            if (i == warmup) {
                measuredFromNanos = due;
            }
            long dueMicros = startMicros + (due - startNanos) / 1_000;
            context.runOnContext(ignored -> send(due, dueMicros, measured));
        }
        long sendSpan = System.nanoTime() - measuredFromNanos;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (completed.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long measured = total - warmup;
        StringBuilder rejectedStatuses = new StringBuilder();
        rejected.forEach((status, count) ->
                rejectedStatuses.append(status).append(':').append(count.get()).append(','));
        return String.format(
                        Locale.ROOT,
                        "sent=%d completed=%d ok=%d errors=%d rejected=%s measured=%d measured_ok=%d measured_200=%d"
                                + " measured_202=%d send_rate=%.1f %s %s",
                        total,
                        completed.get(),
                        ok.get(),
                        errors.get(),
                        rejectedStatuses.length() == 0
                                ? "none"
                                : rejectedStatuses.substring(0, rejectedStatuses.length() - 1),
                        measured,
                        measuredOk.get(),
                        measured200.get(),
                        measured202.get(),
                        measured > 1 ? (measured - 1) * 1e9 / sendSpan : 0,
                        latencies.summary(""),
                        answered200.summary("answered_200_"))
                + (firstError == null ? "" : " first_error=" + firstError.replace(' ', '_'));
    }

    private void send(long dueNanos, long dueMicros, boolean measured) {
        Buffer body = Buffer.buffer(
                RequestBodies.invocation(target, bodyBytes, stamp && measured ? RequestBodies.stamped(dueMicros) : ""));
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(url.getRawPath())
                .putHeader("Content-Type", "application/json");
        if (prefer != null) {
            options.putHeader("Prefer", prefer);
        }
        client.request(options)
                .compose(request -> request.send(body))
                .compose(response -> response.body().map(ignored -> response.statusCode()))
                .onComplete(result -> {
                    if (result.succeeded()) {
                        int status = result.result();
                        if (status >= 200 && status < 300) {
                            ok.incrementAndGet();
                            if (measured) {
                                measuredOk.incrementAndGet();
                            }
                        } else {
                            rejected.computeIfAbsent(status, s -> new AtomicLong())
                                    .incrementAndGet();
                        }
                        if (measured) {
                            long latency = System.nanoTime() - dueNanos;
                            latencies.recordNanos(latency);
                            if (status == 200) {
                                measured200.incrementAndGet();
                                answered200.recordNanos(latency);
                            } else if (status == 202) {
                                measured202.incrementAndGet();
                            }
                        }
                    } else {
                        errors.incrementAndGet();
                        if (firstError == null) {
                            firstError = String.valueOf(result.cause());
                        }
                    }
                    completed.incrementAndGet();
                });
    }
}
