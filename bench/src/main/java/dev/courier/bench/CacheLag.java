package dev.courier.bench;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Write → visible-on-another-reader lag of cache-service: writes at a fixed rate to the writer and, as soon as each
 * write is acknowledged, reads it from a second instance (a read replica) with {@code Courier-Cache-Min-Token} set to
 * the write's token, which that instance answers as soon as the write is applied there.
 *
 * <p>Prints the write latency ({@code write_*}), the time from the write being sent to the value being readable on the
 * replica ({@code visible_*}, the replication lag as a caller sees it) and from the write's acknowledgement to that
 * ({@code after_ack_*}); latencies are measured from each write's due instant (open loop). The first {@code --warmup}
 * seconds run at the same rate and are not measured: this JVM's own start (class loading, its first connections, the
 * JIT) would otherwise be the tail of a distribution of a few thousand writes.
 */
final class CacheLag {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final HttpClient writer;
    private final HttpClient reader;
    private final String namespace;
    private final Buffer value;
    private final Latencies writes = new Latencies();
    private final Latencies visible = new Latencies();
    private final Latencies afterAck = new Latencies();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String firstError;

    private CacheLag(Options options) {
        this.writer = client(URI.create(options.required("writer")));
        this.reader = client(URI.create(options.required("reader")));
        this.namespace = options.text("namespace", "bench-lag");
        this.value = Buffer.buffer("v".repeat(options.integer("value-bytes", 1024)));
    }

    private HttpClient client(URI base) {
        return vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(base.getHost())
                        .setDefaultPort(base.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(64));
    }

    /**
     * {@code cache-lag --writer W --reader R [--rate 200] [--duration 5] [--warmup 0] [--keys 1000]
     * [--value-bytes 1024]}.
     */
    static void run(Options options) throws InterruptedException {
        CacheLag lag = new CacheLag(options);
        try {
            System.out.println(lag.drive(
                    options.decimal("rate", 200),
                    options.decimal("duration", 5),
                    options.decimal("warmup", 0),
                    options.integer("keys", 1000)));
        } finally {
            lag.vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private String drive(double rate, double durationSeconds, double warmupSeconds, int keys)
            throws InterruptedException {
        Context context = vertx.getOrCreateContext();
        long warmup = Math.round(warmupSeconds * rate);
        long total = warmup + Math.round(durationSeconds * rate);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * periodNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            String key = "k" + (i % keys);
            boolean measured = i >= warmup;
            context.runOnContext(ignored -> writeThenRead(key, due, measured));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (completed.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return String.format(
                        Locale.ROOT,
                        "writes=%d warmup=%d completed=%d failed=%d %s %s %s",
                        total,
                        warmup,
                        completed.get(),
                        failed.get(),
                        writes.summary("write_"),
                        visible.summary("visible_"),
                        afterAck.summary("after_ack_"))
                + (firstError == null ? "" : " first_error=" + firstError.replace(' ', '_'));
    }

    private void writeThenRead(String key, long due, boolean measured) {
        String path = "/v1/cache/" + namespace + "/" + key;
        long[] ackedAt = new long[1];
        writer.request(new RequestOptions()
                        .setMethod(HttpMethod.PUT)
                        .setURI(path)
                        .putHeader("Content-Type", "text/plain"))
                .compose(request -> request.send(value))
                .compose(response -> response.body().compose(ignored -> {
                    if (response.statusCode() != 200 && response.statusCode() != 201) {
                        return Future.failedFuture("write answered " + response.statusCode());
                    }
                    ackedAt[0] = System.nanoTime();
                    if (measured) {
                        writes.recordNanos(ackedAt[0] - due);
                    }
                    return Future.succeededFuture(response.getHeader("Courier-Cache-Token"));
                }))
                .compose(token -> reader.request(new RequestOptions()
                                .setMethod(HttpMethod.GET)
                                .setURI(path)
                                .putHeader("Courier-Cache-Min-Token", token))
                        .compose(request -> request.send())
                        .compose(response -> response.body()
                                .compose(ignored -> response.statusCode() == 200
                                        ? Future.succeededFuture()
                                        : Future.failedFuture("replica read answered " + response.statusCode()))))
                .onComplete(result -> {
                    if (result.succeeded() && measured) {
                        long now = System.nanoTime();
                        visible.recordNanos(now - due);
                        afterAck.recordNanos(now - ackedAt[0]);
                    } else if (result.failed()) {
                        failed.incrementAndGet();
                        if (firstError == null) {
                            firstError = String.valueOf(result.cause());
                        }
                    }
                    completed.incrementAndGet();
                });
    }
}
