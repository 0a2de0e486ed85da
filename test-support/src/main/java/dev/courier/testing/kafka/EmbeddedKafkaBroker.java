package dev.courier.testing.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka broker, single node in KRaft mode (broker and controller in one), running inside the current JVM.
 *
 * <p>It listens on 127.0.0.1 only, on free ports chosen at start, and keeps its log under a temporary directory that
 * {@link #close()} deletes. Settings are those of a one-node cluster: replication factor 1 for the internal topics and
 * no initial rebalance delay, so that a consumer group's first join does not wait three seconds.
 *
 * <p>{@link #start(SaslSslListener)} adds a second client listener that, like OCI Streaming, accepts only TLS with SASL
 * PLAIN and one user name and password; the plain one stays for the tests' own clients.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
 *     kafka.createTopics(3, "courier.requests");
 *     ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements TestKafkaBroker {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final String bootstrapServers;
    private final String saslSslBootstrapServers;
    private final KafkaRaftServer server;
    private volatile boolean running;

    private EmbeddedKafkaBroker(
            Path dataDir, String bootstrapServers, String saslSslBootstrapServers, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
        this.saslSslBootstrapServers = saslSslBootstrapServers;
        this.server = server;
    }

    /** Formats a fresh log directory, starts the broker and waits until it answers a metadata request. */
    public static EmbeddedKafkaBroker start() {
        return start(null);
    }

    /**
     * Like {@link #start()}, with a second client listener that accepts only {@code SASL_SSL} with mechanism
     * {@code PLAIN} and the one user of {@code saslSsl} (null: none).
     */
    public static EmbeddedKafkaBroker start(SaslSslListener saslSsl) {
        try {
            Path dataDir = Files.createTempDirectory("courier-kafka-");
            int[] ports = freePorts(saslSsl == null ? 2 : 3);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            int saslSslPort = saslSsl == null ? -1 : ports[2];
            Properties props = brokerProperties(dataDir, brokerPort, controllerPort);
            if (saslSsl != null) {
                addSaslSslListener(props, saslSslPort, saslSsl);
            }
            format(dataDir, props);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(
                    dataDir, "127.0.0.1:" + brokerPort, saslSsl == null ? null : "127.0.0.1:" + saslSslPort, server);
            broker.running = true;
            broker.awaitReady();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded Kafka broker", e);
        }
    }

    /** {@code host:port} of the broker's client listener, for {@code bootstrap.servers}. */
    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** {@code host:port} of the {@code SASL_SSL} listener; only for a broker started with one. */
    public String saslSslBootstrapServers() {
        if (saslSslBootstrapServers == null) {
            throw new IllegalStateException("this broker has no SASL_SSL listener");
        }
        return saslSslBootstrapServers;
    }

    /** Whether the broker has been started and not stopped. */
    public boolean isRunning() {
        return running;
    }

    /** Creates each topic with {@code partitions} partitions; a topic that exists already is left as it is. */
    @Override
    public void createTopics(int partitions, String... topics) {
        try (Admin admin = admin()) {
            List<NewTopic> newTopics = Stream.of(topics)
                    .map(topic -> new NewTopic(topic, partitions, (short) 1))
                    .toList();
            for (var result : admin.createTopics(newTopics).values().values()) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic", e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("topic creation timed out", e);
        }
    }

    /** An admin client for this broker; the caller closes it. */
    @Override
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000));
    }

    /** Stops the broker, as a crash of the only broker would look to clients; its data stays until {@link #close()}. */
    public synchronized void stop() {
        if (running) {
            running = false;
            server.shutdown();
            server.awaitShutdown();
        }
    }

    /** Stops the broker and deletes its data. */
    @Override
    public synchronized void close() {
        stop();
        deleteRecursively(dataDir);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(5, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker not ready after " + READY_TIMEOUT, e);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Properties brokerProperties(Path dataDir, int brokerPort, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dataDir.resolve("log").toString());
        // One node: every internal topic has a single replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // A first consumer join would otherwise wait 3 s for more members.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("num.partitions", "1");
        // Small: tests share a 2-core machine with the services under test.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return props;
    }

    /**
     * The {@code SASL_SSL} listener: TLS with the listener's key store, then SASL PLAIN checked by
     * {@link PlainCredentialsCheck} against the one user name and password (JAAS options, quoted as JAAS wants).
     */
    private static void addSaslSslListener(Properties props, int port, SaslSslListener saslSsl) {
        String listener = "SASL_SSL://127.0.0.1:" + port;
        props.put("listeners", props.getProperty("listeners") + "," + listener);
        props.put("advertised.listeners", props.getProperty("advertised.listeners") + "," + listener);
        props.put(
                "listener.security.protocol.map",
                props.getProperty("listener.security.protocol.map") + ",SASL_SSL:SASL_SSL");
        props.put("sasl.enabled.mechanisms", "PLAIN");
        String prefix = "listener.name.sasl_ssl.";
        props.put(prefix + "ssl.keystore.type", "PKCS12");
        props.put(prefix + "ssl.keystore.location", saslSsl.keyStore().toString());
        props.put(prefix + "ssl.keystore.password", saslSsl.keyStorePassword());
        props.put(prefix + "ssl.key.password", saslSsl.keyStorePassword());
        props.put(
                prefix + "plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + PlainCredentialsCheck.USERNAME_OPTION + "=" + jaasQuoted(saslSsl.username()) + " "
                        + PlainCredentialsCheck.PASSWORD_OPTION + "=" + jaasQuoted(saslSsl.password()) + ";");
        props.put(prefix + "plain.sasl.server.callback.handler.class", PlainCredentialsCheck.class.getName());
    }

    private static String jaasQuoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void format(Path dataDir, Properties props) throws IOException {
        Path propsFile = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            props.store(out, "embedded Kafka broker");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            String clusterId = Uuid.randomUuid().toString();
            exit = StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", propsFile.toString(), "--standalone"}, print);
        }
        if (exit != 0) {
            throw new IllegalStateException(
                    "formatting Kafka storage failed: " + output.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A client listener like OCI Streaming's: TLS with the certificate in {@code keyStore} (PKCS12), then SASL PLAIN
     * with exactly this user name and password.
     *
     * @param keyStore the broker's key store, PKCS12
     * @param keyStorePassword its password, also the key's
     * @param username the only user name accepted
     * @param password its password
     */
    public record SaslSslListener(Path keyStore, String keyStorePassword, String username, String password) {}

    /**
     * {@code count} distinct free ports: every socket is held open until all are chosen, since a port given back may
     * be the next one handed out (two listeners on one port refused the broker's start in a loaded CI run).
     */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
