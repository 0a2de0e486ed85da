package dev.courier.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.courier.common.id.Ulid;
import dev.courier.common.status.StatusEvent;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The status read model at scale: {@code fill} publishes {@code --count} requests, each with the status event the
 * accepter puts on its records, so that cache-service projects one status per invocation, and waits until the last one
 * is readable; {@code get} reads random ones of them for {@code --seconds} with {@code --connections} requests in
 * flight and prints the latency. The ids are derived from {@code --base} and their index, so {@code get} needs no list.
 */
final class StatusLoad {
    private StatusLoad() {}

    static void run(Options options) throws Exception {
        long base = Long.parseLong(options.required("base"));
        long count = Long.parseLong(options.required("count"));
        switch (options.required("phase")) {
            case "fill" -> fill(options, base, count);
            case "get" -> get(options, base, count);
            default -> throw new IllegalArgumentException("--phase is fill or get");
        }
    }

    private static String id(long base, long index) {
        return Ulid.derived(base + index / 1000, "bench-status/" + index);
    }

    private static void fill(Options options, long base, long count) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                options.required("bootstrap"),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4");
        String topic = options.required("topic");
        long started = System.nanoTime();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < count && failure.get() == null; i++) {
                String id = id(base, i);
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>(topic, id, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
                record.headers()
                        .add(
                                StatusEvent.HEADER,
                                StatusEvent.accepted(id, Instant.now(), "bench-" + i)
                                        .encode());
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        double published = (System.nanoTime() - started) / 1e9;
        String last = id(base, count - 1);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        URI status = URI.create(options.required("cache") + "/v1/status/" + last);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.integer("timeout", 1800));
        int answer = 0;
        while (System.nanoTime() < deadline) {
            answer = http.send(
                            java.net.http.HttpRequest.newBuilder(status).GET().build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            if (answer == 200) {
                break;
            }
            Thread.sleep(500);
        }
        System.out.printf(
                Locale.ROOT,
                "filled=%d published_s=%.1f projected_s=%.1f last_status=%d%n",
                count,
                published,
                (System.nanoTime() - started) / 1e9,
                answer);
    }

    private static void get(Options options, long base, long count) throws Exception {
        URI cache = URI.create(options.required("cache"));
        int connections = options.integer("connections", 16);
        long seconds = options.integer("seconds", 10);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(cache.getHost())
                        .setDefaultPort(cache.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(connections));
        Latencies latencies = new Latencies();
        AtomicLong ok = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.integer("warmup", 3));
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            vertx.runOnContext(ignored -> next(client, base, count, latencies, ok, other, warmupEnd, end, done));
        }
        done.await();
        vertx.close();
        System.out.printf(
                Locale.ROOT,
                "gets=%d rps=%.0f non200=%d %s%n",
                ok.get(),
                ok.get() / (double) seconds,
                other.get(),
                latencies.summary("get_"));
    }

    private static void next(
            HttpClient client,
            long base,
            long count,
            Latencies latencies,
            AtomicLong ok,
            AtomicLong other,
            long warmupEnd,
            long end,
            CountDownLatch done) {
        long sent = System.nanoTime();
        if (sent >= end) {
            done.countDown();
            return;
        }
        String id = id(base, ThreadLocalRandom.current().nextLong(count));
        client.request(HttpMethod.GET, "/v1/status/" + id)
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> response.statusCode()))
                .onComplete(result -> {
                    if (sent >= warmupEnd) {
                        if (result.succeeded() && result.result() == 200) {
                            ok.incrementAndGet();
                            latencies.recordNanos(System.nanoTime() - sent);
                        } else {
                            other.incrementAndGet();
                        }
                    }
                    next(client, base, count, latencies, ok, other, warmupEnd, end, done);
                });
    }
}
