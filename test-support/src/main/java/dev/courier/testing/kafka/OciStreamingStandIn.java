package dev.courier.testing.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import dev.courier.testing.kafka.EmbeddedKafkaBroker.SaslSslListener;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource standing in for OCI Streaming: an {@link EmbeddedKafkaBroker} whose {@code SASL_SSL} listener
 * takes, as a stream pool's Kafka endpoint does, TLS and then SASL PLAIN with a user name
 * {@code <tenancy>/<user>/ocid1.streampool...} and an auth token, both made up for each run (the token with characters
 * that JAAS must see quoted). It sets what an operator fills in, {@code courier.oci.streaming.*}, and, because its
 * certificate is self-signed where OCI's comes from a public CA, the clients' trust store
 * ({@code kafka.ssl.truststore.*}, a test-only setting).
 *
 * <p>Topics are created over the broker's plain listener, which is also the one for the test's own clients
 * ({@link InjectKafkaBroker}). Argument {@value #TOPICS}: {@code name:partitions,...}, as for
 * {@link KafkaBrokerResource}.
 */
public class OciStreamingStandIn implements QuarkusTestResourceLifecycleManager {
    /** Init argument: topics to create, {@code name:partitions,...}. */
    public static final String TOPICS = KafkaBrokerResource.TOPICS;
    /** Setting: the stream pool's bootstrap server. */
    public static final String BOOTSTRAP_SERVERS = "courier.oci.streaming.bootstrap-servers";
    /** Setting: {@code <tenancy>/<user>/<stream pool OCID>}. */
    public static final String USERNAME = "courier.oci.streaming.username";
    /** Setting: the auth token. */
    public static final String AUTH_TOKEN = "courier.oci.streaming.auth-token";

    private static final String ALPHANUMERIC = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private String topics = "";
    private Path directory;
    private EmbeddedKafkaBroker broker;

    @Override
    public void init(Map<String, String> initArgs) {
        topics = initArgs.getOrDefault(TOPICS, "");
    }

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("courier-oci-streaming-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestCertificate certificate = TestCertificate.create(directory);
        String username = "courier-test/ci@example.com/ocid1.streampool.oc1.test."
                + random(20).toLowerCase(Locale.ROOT);
        // Like an OCI auth token: 20 characters, some of them punctuation.
        String token = random(8) + "(;" + random(4) + "]:}" + random(3) + "#";
        broker = EmbeddedKafkaBroker.start(
                new SaslSslListener(certificate.keyStore(), certificate.password(), username, token));
        for (String topic : topics.split(",")) {
            if (!topic.isBlank()) {
                String[] nameAndPartitions = topic.trim().split(":");
                int partitions = nameAndPartitions.length > 1 ? Integer.parseInt(nameAndPartitions[1]) : 1;
                broker.createTopics(partitions, nameAndPartitions[0]);
            }
        }
        Map<String, String> config = new HashMap<>();
        config.put(BOOTSTRAP_SERVERS, broker.saslSslBootstrapServers());
        config.put(USERNAME, username);
        config.put(AUTH_TOKEN, token);
        config.put("kafka.ssl.truststore.type", "PEM");
        config.put("kafka.ssl.truststore.location", certificate.certificatePem().toString());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                broker, new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, EmbeddedKafkaBroker.class));
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
        if (directory != null) {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String random(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return text.toString();
    }
}
