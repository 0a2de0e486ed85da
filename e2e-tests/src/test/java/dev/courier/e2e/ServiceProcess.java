package dev.courier.e2e;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A packaged Courier service running as its own JVM process on 127.0.0.1, as it would in production. */
final class ServiceProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code quarkus-run.jar} of a service with the given system properties, on a free port, and waits until its
     * readiness check answers 200.
     */
    static ServiceProcess start(String name, String appProperty, Map<String, String> properties) throws Exception {
        Path log = logFile(name);
        int port = freePort();
        ServiceProcess service = new ServiceProcess(name, launch(appProperty, port, properties, log), port, log);
        service.awaitReady();
        return service;
    }

    /**
     * Starts a service that is expected not to start, and waits until it exits.
     *
     * @return its exit code and everything it logged
     */
    static Exited runToExit(String name, String appProperty, Map<String, String> properties, Duration timeout)
            throws Exception {
        Path log = logFile(name);
        Process process = launch(appProperty, freePort(), properties, log);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " still running after " + timeout + "; see " + log);
        }
        return new Exited(process.exitValue(), Files.readString(log));
    }

    /**
     * How a service that did not start ended.
     *
     * @param code its exit code
     * @param log what it wrote to standard output and standard error
     */
    record Exited(int code, String log) {}

    private static Path logFile(String name) throws IOException {
        Path logs = Path.of(System.getProperty("courier.e2e.logs", "target/e2e-logs"));
        Files.createDirectories(logs);
        return logs.resolve(name + ".log");
    }

    private static Process launch(String appProperty, int port, Map<String, String> properties, Path log)
            throws IOException {
        Path app = Path.of(System.getProperty(appProperty));
        if (!Files.isRegularFile(app)) {
            throw new IllegalStateException(app + " does not exist: package the service first (mvn verify)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC"));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.http.port=" + port);
        if (!properties.containsKey("courier.auth.enabled")) {
            // Packaged services authenticate by default (production); a test that is not about that runs them open.
            command.add("-Dcourier.auth.enabled=false");
        }
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        if (appProperty.equals("courier.cache.app") && !properties.containsKey("courier.cache.state.directory")) {
            // Each cache-service process keeps its state in a directory of its own (a RocksDB directory is one
            // process's), new unless the test names one: a restart with a new one starts from the newest snapshot.
            command.add("-Dcourier.cache.state.directory=" + Files.createTempDirectory("courier-cache-state"));
        }
        command.addAll(List.of("-jar", app.toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File(System.getProperty("java.io.tmpdir")))
                .start();
    }

    /** The base URL of the service, e.g. {@code http://127.0.0.1:41234}. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void awaitReady() throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(baseUri().resolve("/q/health/ready"))
                .timeout(Duration.ofSeconds(5))
                .build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        close();
        throw new IllegalStateException(name + " not ready after " + READY_TIMEOUT + "; see " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The file the service's standard output and standard error go to. */
    Path log() {
        return log;
    }

    /** Kills the service without warning (SIGKILL), as a crash or an OOM kill would. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Reads the service's Prometheus metrics. */
    String metrics() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(baseUri().resolve("/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /**
     * The sum of the service's metric lines that start with {@code prefix} (a name, or a name and the start of its
     * labels, e.g. {@code courier_schedule_fires_total{outcome="fired"}); 0 when there is none.
     */
    double metricSum(String prefix) throws Exception {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Stops the service as an orchestrator would: SIGTERM, then SIGKILL if it does not exit in time. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
