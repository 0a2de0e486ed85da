package dev.courier.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** cache-service instances as separate processes sharing one broker and one snapshot store. */
class CacheClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedKafkaBroker kafka;
    private static Path snapshots;

    @BeforeAll
    static void startTheBroker() throws IOException {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.cache.changes");
        snapshots = Files.createTempDirectory("courier-cache-it-snapshots");
    }

    @AfterAll
    static void stopTheBroker() {
        kafka.close();
    }

    @Test
    void oneWriterAndTwoReadersAgreeAndAReadWithTheTokenSeesTheWrite() throws Exception {
        try (ServiceProcess writer = cache("cache-writer", "writer");
                ServiceProcess readerA = cache("cache-reader-a", "reader");
                ServiceProcess readerB = cache("cache-reader-b", "reader")) {
            HttpResponse<String> put = put(writer, "/v1/cache/shared/greeting", "hello", Map.of());
            assertThat(put.statusCode()).isEqualTo(201);
            for (ServiceProcess reader : List.of(readerA, readerB)) {
                assertThat(awaitValue(reader, "/v1/cache/shared/greeting")).isEqualTo("hello");
            }

            for (int i = 0; i < 30; i++) {
                String token = put(writer, "/v1/cache/shared/ryw", "v" + i, Map.of())
                        .headers()
                        .firstValue("Courier-Cache-Token")
                        .orElseThrow();
                ServiceProcess reader = i % 2 == 0 ? readerA : readerB;
                HttpResponse<String> read =
                        get(reader, "/v1/cache/shared/ryw", Map.of("Courier-Cache-Min-Token", token));
                assertThat(read.statusCode()).isEqualTo(200);
                assertThat(read.body())
                        .as("read-your-writes on the other instance")
                        .isEqualTo("v" + i);
            }

            assertThat(put(readerA, "/v1/cache/shared/nope", "x", Map.of()).statusCode())
                    .as("a reader refuses writes")
                    .isEqualTo(405);

            String v1 = put(writer, "/v1/cache/shared/contended", "start", Map.of())
                    .headers()
                    .firstValue("ETag")
                    .orElseThrow();
            List<CompletableFuture<HttpResponse<String>>> racers = new ArrayList<>();
            for (String value : List.of("left", "right")) {
                racers.add(HTTP.sendAsync(
                        request(writer, "/v1/cache/shared/contended", Map.of("If-Match", v1))
                                .PUT(HttpRequest.BodyPublishers.ofString(value))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<Integer> statuses =
                    racers.stream().map(f -> f.join().statusCode()).sorted().toList();
            assertThat(statuses).containsExactly(200, 412);
            String token = racers.stream()
                    .map(CompletableFuture::join)
                    .filter(r -> r.statusCode() == 200)
                    .findFirst()
                    .orElseThrow()
                    .headers()
                    .firstValue("Courier-Cache-Token")
                    .orElseThrow();
            Set<String> seen = new HashSet<>();
            for (ServiceProcess instance : List.of(writer, readerA, readerB)) {
                HttpResponse<String> read =
                        get(instance, "/v1/cache/shared/contended", Map.of("Courier-Cache-Min-Token", token));
                seen.add(read.body() + " " + read.headers().firstValue("ETag").orElse(""));
            }
            assertThat(seen)
                    .as("every instance agrees on the winner and its version")
                    .hasSize(1);
        }
    }

    @Test
    void tenThousandWritesSurviveAKilledWriterThroughSnapshotPlusReplayAndThroughTheLogAlone() throws Exception {
        int count = 10_000;
        ServiceProcess writer = cache("cache-durable-writer", "writer");
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            writes.add(HTTP.sendAsync(
                            request(writer, "/v1/cache/durable/key-" + i, Map.of())
                                    .PUT(HttpRequest.BodyPublishers.ofString("value-" + i))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .thenApply(HttpResponse::statusCode)
                    .whenComplete((status, error) -> inFlight.release()));
        }
        assertThat(writes.stream().map(CompletableFuture::join)).allMatch(status -> status == 201);
        System.out.printf("cache: %d writes in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
        // The writer snapshots every 2 s here (and only a changed state): kill it once a complete snapshot holds every
        // write, i.e. its position (the sum of the partitions' positions) has reached the log's end. A snapshot taken
        // the moment the last write was applied counts too.
        long logEnd = logEnd();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (completeSnapshots().stream().noneMatch(position -> position >= logEnd) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        writer.kill();
        assertThat(completeSnapshots())
                .as("the writer left a snapshot of every write (log end %d)", logEnd)
                .anyMatch(position -> position >= logEnd);

        long restart = System.nanoTime();
        try (ServiceProcess fromSnapshot = cache("cache-from-snapshot", "both")) {
            System.out.printf(
                    "cache: restart from snapshot + replay, ready in %.1f s%n", (System.nanoTime() - restart) / 1e9);
            assertThat(allKeys(fromSnapshot, "durable")).hasSize(count);
            assertThat(get(fromSnapshot, "/v1/cache/durable/key-4321", Map.of()).body())
                    .isEqualTo("value-4321");
        }

        for (Path file : snapshotFiles()) {
            Files.delete(file);
        }
        long fromLog = System.nanoTime();
        try (ServiceProcess replayed = cache("cache-from-log", "reader")) {
            System.out.printf("cache: replay of the log alone, ready in %.1f s%n", (System.nanoTime() - fromLog) / 1e9);
            assertThat(allKeys(replayed, "durable")).hasSize(count);
            assertThat(get(replayed, "/v1/cache/durable/key-9999", Map.of()).body())
                    .isEqualTo("value-9999");
        }
    }

    /** The sum of the change log's end offsets: the position of a state that holds every write made so far. */
    private static long logEnd() throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int partition = 0; partition < 3; partition++) {
                latest.put(new TopicPartition("courier.cache.changes", partition), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream()
                    .mapToLong(ListOffsetsResultInfo::offset)
                    .sum();
        }
    }

    /** The positions of the complete snapshots (those with a manifest) in the local object store. */
    private static List<Long> completeSnapshots() throws IOException {
        Path state = snapshots.resolve("snapshots/courier.cache.changes/state");
        if (!Files.isDirectory(state)) {
            return List.of();
        }
        try (Stream<Path> directories = Files.list(state)) {
            return directories
                    .filter(directory -> Files.exists(directory.resolve("manifest")))
                    .map(directory -> Long.parseLong(directory.getFileName().toString()))
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            return List.of(); // the writer deleted an old snapshot while we listed: look again
        }
    }

    /** The snapshot objects in the local object store: {@code snapshots/<topic>/<partition>/<offset>}. */
    private static List<Path> snapshotFiles() throws IOException {
        Path root = snapshots.resolve("snapshots");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        while (true) {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile).toList();
            } catch (java.io.UncheckedIOException e) {
                // the writer deleted an old snapshot while we walked: look again
            }
        }
    }

    private static Set<String> allKeys(ServiceProcess instance, String namespace) throws Exception {
        Set<String> keys = new HashSet<>();
        String cursor = null;
        do {
            String path = "/v1/cache/" + namespace + "?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor);
            JsonNode page = JSON.readTree(get(instance, path, Map.of()).body());
            page.get("keys").forEach(key -> keys.add(key.asText()));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asText();
        } while (cursor != null);
        return keys;
    }

    private static String awaitValue(ServiceProcess instance, String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<String> response = get(instance, path, Map.of());
            if (response.statusCode() == 200 || System.nanoTime() > deadline) {
                return response.body();
            }
            Thread.sleep(20);
        }
    }

    private static HttpResponse<String> put(
            ServiceProcess instance, String path, String body, Map<String, String> headers) throws Exception {
        return HTTP.send(
                request(instance, path, headers)
                        .PUT(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(ServiceProcess instance, String path, Map<String, String> headers)
            throws Exception {
        return HTTP.send(request(instance, path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(ServiceProcess instance, String path, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(instance.baseUri() + path));
        headers.forEach(builder::header);
        return builder;
    }

    private static ServiceProcess cache(String name, String role) throws Exception {
        return ServiceProcess.start(
                name,
                "courier.cache.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        "courier.cache.role",
                        role,
                        "courier.cache.object-store.directory",
                        snapshots.toString(),
                        "courier.cache.snapshots.interval",
                        "2s"));
    }
}
