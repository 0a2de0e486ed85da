package dev.courier.e2e;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus (the {@code prometheus} binary, Debian's package) scrapes the three packaged services on 127.0.0.1
 * while invocations flow through them, with the alerting rules of {@code deploy/k8s/base/observability}: every target
 * is up, every rule evaluates without error, every query of every dashboard returns data, and killing the listener
 * fires {@code CourierServiceDown}. The job names are those a ServiceMonitor gives in the cluster (the Services'
 * names), so the rules and dashboards run here unchanged; the cache runs both roles and is scraped as both jobs.
 *
 * <p>Two things differ from a cluster, on purpose: scrapes and rule evaluations every second, and every rule's
 * {@code for} set to 0 s so that an alert fires within the test's time. The {@code for} durations themselves are
 * checked by the rules' promtool unit tests (deploy-tests).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPOSITORY =
            Path.of(System.getProperty("courier.repository", "..")).toAbsolutePath();
    private static final Path OBSERVABILITY = REPOSITORY.resolve("deploy/k8s/base/observability");
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** What Grafana's $__rate_interval is with 1 s scrapes, rounded up: several samples in every window. */
    private static final String RATE_INTERVAL = "10s";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final AtomicBoolean TRAFFIC = new AtomicBoolean(true);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static RecordingHttpServer broken;
    private static RecordingHttpServer callback;
    private static ServiceProcess cache;
    private static ServiceProcess accepter;
    private static ServiceProcess listener;
    private static Process prometheus;
    private static URI prometheusUri;
    private static Thread traffic;

    @BeforeAll
    static void startTheStackAndPrometheus() throws Exception {
        Optional<Path> binary = onPath("prometheus");
        assumeTrue(
                binary.isPresent(),
                "prometheus is not on PATH, so PrometheusIT does not run: install it (Debian: apt-get install"
                        + " prometheus; .ci/run does)");
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, topics().toArray(String[]::new));
        target = RecordingHttpServer.start();
        broken = RecordingHttpServer.start();
        callback = RecordingHttpServer.start();
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        target.respondWith(request -> switch (request.path()) {
                // Fails the first attempt of each invocation, then succeeds: a retry through a delay tier.
            case "/flaky" -> failedOnce.add(request.header("Idempotency-Key"))
                    ? Reply.json(503, "{}")
                    : Reply.json(200, "{}");
            case "/missing" -> Reply.json(404, "{}");
            default -> Reply.json(200, "{\"ok\":true}");
        });
        // Always failing: its circuit opens after two failures and later calls wait behind it.
        broken.respondWith(request -> Reply.json(503, "{}"));
        callback.respondWith(request -> Reply.json(200, "{}"));

        Path objects = Files.createTempDirectory("courier-prometheus-it-objects");
        String bootstrap = kafka.bootstrapServers();
        cache = ServiceProcess.start(
                "prometheus-cache",
                "courier.cache.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.cache.object-store.directory",
                        objects.toString(),
                        "courier.cache.snapshots.interval",
                        "5s"));
        String cacheUrl = cache.baseUri().toString();
        CompletableFuture<ServiceProcess> startingAccepter = CompletableFuture.supplyAsync(() -> start(
                "prometheus-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers", bootstrap,
                        "courier.accepter.cache-url", cacheUrl,
                        "courier.accepter.object-store.directory", objects.toString())));
        Map<String, String> listenerConfig = new HashMap<>();
        listenerConfig.put("kafka.bootstrap.servers", bootstrap);
        listenerConfig.put("courier.listener.cache-url", cacheUrl);
        listenerConfig.put("courier.listener.object-store.directory", objects.toString());
        listenerConfig.put("courier.listener.egress.allow-loopback", "true");
        listenerConfig.put("courier.listener.limits.failure-threshold", "2");
        listener = ServiceProcess.start("prometheus-listener", "courier.listener.app", listenerConfig);
        accepter = startingAccepter.join();

        // An unreadable record: a dead letter.
        try (KafkaTestClient client = new KafkaTestClient(bootstrap)) {
            client.send("courier.requests", "not-json", "this is not an invocation request");
        }
        traffic = new Thread(PrometheusIT::sendInvocations, "prometheus-it-traffic");
        traffic.start();

        prometheus = startPrometheus(binary.get());
    }

    @AfterAll
    static void stopEverything() throws Exception {
        TRAFFIC.set(false);
        if (traffic != null) {
            traffic.join(10_000);
        }
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        for (AutoCloseable part : new AutoCloseable[] {listener, accepter, cache, target, broken, callback, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    @Order(1)
    void everyTargetIsUpEveryRuleEvaluatesAndEveryDashboardQueryReturnsData() throws Exception {
        awaitQuery("count(up{job=~\"courier-.+\"} == 1)", result -> value(result) == 4);

        List<String> noData = new ArrayList<>();
        List<Query> queries = dashboardQueries();
        assertThat(queries).hasSizeGreaterThan(30);
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Query> pending = new ArrayList<>(queries);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            pending.removeIf(query -> hasData(query.expr()));
            if (!pending.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        pending.forEach(query -> noData.add(query.where() + ": " + query.expr()));
        assertThat(noData).as("dashboard queries without data").isEmpty();

        JsonNode groups = api("/api/v1/rules").path("data").path("groups");
        List<String> rules = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("health").asText())
                        .as(
                                "rule %s: %s",
                                rule.path("name").asText(),
                                rule.path("lastError").asText())
                        .isEqualTo("ok");
                rules.add(rule.path("name").asText());
            }
        }
        assertThat(rules).contains("CourierServiceDown", "CourierConsumerLagHigh", "CourierCacheSnapshotStale");
        assertThat(firing("CourierServiceDown")).as("nothing is down yet").isEmpty();
    }

    @Test
    @Order(2)
    void aListenerThatStopsAnsweringFiresCourierServiceDown() throws Exception {
        listener.kill();
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonNode> alerts = firing("CourierServiceDown");
        while (alerts.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            alerts = firing("CourierServiceDown");
        }
        assertThat(alerts)
                .extracting(alert -> alert.path("labels").path("job").asText())
                .containsExactly("courier-listener");
        assertThat(alerts.get(0).path("labels").path("severity").asText()).isEqualTo("critical");
    }

    /** Invocations of every kind, about ten a second, until the test ends. */
    private static void sendInvocations() {
        AccepterApi api = new AccepterApi(accepter);
        int n = 0;
        while (TRAFFIC.get()) {
            n++;
            try {
                String path = n % 5 == 0 ? "/flaky" : n % 7 == 0 ? "/missing" : "/ok";
                String id = api.accept("{\"target\":{\"type\":\"http\",\"url\":\"" + target.url(path) + "\"},"
                        + "\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":200},"
                        + "\"callback\":{\"url\":\"" + callback.url("/cb") + "\"},\"idempotencyKey\":\"it-" + n
                        + "\"}");
                if (n % 3 == 0) {
                    api.status(id);
                }
                if (n % 4 == 0) {
                    api.accept("{\"target\":{\"type\":\"http\",\"url\":\"" + broken.url("/down") + "\"},"
                            + "\"retry\":{\"maxAttempts\":2,\"initialBackoffMs\":200}}");
                }
                if (n % 10 == 0) {
                    String one = "{\"target\":{\"type\":\"http\",\"url\":\"" + target.url("/ok") + "\"}}";
                    api.acceptBatch("{\"requests\":[" + one + "," + one + "]}");
                }
                URI entry = cache.baseUri().resolve("/v1/cache/prometheus-it/key-" + (n % 20));
                send(entry, "PUT", "{\"n\":" + n + "}");
                send(entry, "GET", null);
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception | AssertionError e) {
                // The listener is killed by the second test; the accepter keeps accepting meanwhile.
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(URI uri, String method, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }

    /** One query of one dashboard panel, with Grafana's $__rate_interval filled in. */
    private record Query(String where, String expr) {}

    private static List<Query> dashboardQueries() throws IOException {
        List<Query> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(OBSERVABILITY.resolve("dashboards"))) {
            for (Path file : files.sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        queries.add(new Query(
                                file.getFileName() + " / " + panel.path("title").asText(),
                                target.path("expr").asText().replace("$__rate_interval", RATE_INTERVAL)));
                    }
                }
            }
        }
        return queries;
    }

    /** Whether {@code expr} returns at least one series with a finite value now. */
    private static boolean hasData(String expr) {
        try {
            for (JsonNode series : query(expr)) {
                double value = Double.parseDouble(series.path("value").get(1).asText());
                if (Double.isFinite(value)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitQuery(String expr, java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode result = query(expr);
        while (!condition.test(result)) {
            assertThat(System.nanoTime())
                    .as("%s never matched; last result %s", expr, result)
                    .isLessThan(deadline);
            Thread.sleep(500);
            result = query(expr);
        }
    }

    private static double value(JsonNode result) {
        return result.isEmpty()
                ? Double.NaN
                : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static JsonNode query(String expr) throws IOException, InterruptedException {
        JsonNode answer = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        assertThat(answer.path("status").asText()).as("%s: %s", expr, answer).isEqualTo("success");
        return answer.path("data").path("result");
    }

    private static List<JsonNode> firing(String alertName) throws IOException, InterruptedException {
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode alert : api("/api/v1/alerts").path("data").path("alerts")) {
            if (alertName.equals(alert.path("labels").path("alertname").asText())
                    && "firing".equals(alert.path("state").asText())) {
                alerts.add(alert);
            }
        }
        return alerts;
    }

    private static JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(prometheusUri.resolve(pathAndQuery))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** Prometheus on 127.0.0.1 with the services as its targets and Courier's rules, every "for" set to 0 s. */
    private static Process startPrometheus(Path binary) throws Exception {
        Path work = Files.createTempDirectory("courier-prometheus-it");
        String rules = Files.readString(OBSERVABILITY.resolve("courier-alerts.yaml"))
                .replaceAll("(?m)^(\\s+)for: \\S+$", "$1for: 0s");
        Files.writeString(work.resolve("courier-alerts.yaml"), rules);
        StringBuilder config = new StringBuilder(
                """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - courier-alerts.yaml
                scrape_configs:
                """);
        Map<String, ServiceProcess> jobs = Map.of(
                "courier-accepter", accepter,
                "courier-listener", listener,
                "courier-cache-writer", cache,
                "courier-cache-reader", cache);
        jobs.forEach((job, service) -> config.append(
                """
                  - job_name: %s
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["%s"]
                """
                        .formatted(job, service.baseUri().getAuthority())));
        Files.writeString(work.resolve("prometheus.yml"), config.toString());
        int port = freePort();
        prometheusUri = URI.create("http://127.0.0.1:" + port);
        Path log = Path.of(System.getProperty("courier.e2e.logs", "target/e2e-logs"))
                .resolve("prometheus.log");
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(
                        binary.toString(),
                        "--config.file=" + work.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + work.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> ready = HTTP.send(
                        HttpRequest.newBuilder(prometheusUri.resolve("/-/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return process;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("prometheus not ready after " + WAIT + "; see " + log);
            }
            Thread.sleep(200);
        }
    }

    private static ServiceProcess start(String name, String app, Map<String, String> properties) {
        try {
            return ServiceProcess.start(name, app, properties);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The topics of deploy/local/topics.conf, the ones the cluster's KafkaTopics create. */
    private static List<String> topics() throws IOException {
        List<String> topics = new ArrayList<>();
        for (String line : Files.readAllLines(REPOSITORY.resolve("deploy/local/topics.conf"))) {
            String content = line.replaceFirst("#.*", "").trim();
            if (!content.isEmpty()) {
                topics.add(content.split("\\s+")[0]);
            }
        }
        return topics;
    }

    private static Optional<Path> onPath(String name) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
