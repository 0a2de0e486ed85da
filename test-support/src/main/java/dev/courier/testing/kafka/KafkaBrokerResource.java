package dev.courier.testing.kafka;

import java.lang.reflect.Field;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.jboss.logging.Logger;

/**
 * Quarkus test resource that starts a real Kafka broker before the application and points
 * {@code kafka.bootstrap.servers} at it: a Testcontainers Kafka ({@link ContainerKafkaBroker}) when a Docker daemon
 * answers, else the in-JVM {@link EmbeddedKafkaBroker} ({@link KafkaBrokerSelection}).
 *
 * <p>Arguments (via {@code initArgs}): {@value #TOPICS} is a comma-separated list of {@code name:partitions} to create
 * before the application starts, e.g. {@code courier.requests:3,courier.results:1}; {@value #BROKER} fixes the broker
 * ({@code auto}, the default, {@code in-jvm} or {@code testcontainers}; the system property
 * {@value KafkaBrokerSelection#PROPERTY} overrides it for a whole run). A test reaches the broker through an
 * {@link InjectKafkaBroker} field: a {@link TestKafkaBroker} one for either broker, an {@link EmbeddedKafkaBroker} one
 * (to stop it mid-test) only with {@code broker=in-jvm}.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {
    /** Init argument: topics to create, {@code name:partitions,...}. */
    public static final String TOPICS = "topics";

    /** Init argument: which broker, {@code auto} (default), {@code in-jvm} or {@code testcontainers}. */
    public static final String BROKER = "broker";

    private static final Logger LOG = Logger.getLogger(KafkaBrokerResource.class);

    private TestKafkaBroker broker;
    private String topics = "";
    private String setting;

    @Override
    public void init(Map<String, String> initArgs) {
        topics = initArgs.getOrDefault(TOPICS, "");
        setting = System.getProperty(KafkaBrokerSelection.PROPERTY, initArgs.get(BROKER));
    }

    @Override
    public Map<String, String> start() {
        KafkaBrokerSelection.Broker chosen = KafkaBrokerSelection.choose(setting, DockerDaemon::answers);
        LOG.infof("Kafka test broker: %s", chosen);
        broker = chosen == KafkaBrokerSelection.Broker.TESTCONTAINERS
                ? ContainerKafkaBroker.start()
                : EmbeddedKafkaBroker.start();
        for (String topic : topics.split(",")) {
            if (!topic.isBlank()) {
                String[] nameAndPartitions = topic.trim().split(":");
                int partitions = nameAndPartitions.length > 1 ? Integer.parseInt(nameAndPartitions[1]) : 1;
                broker.createTopics(partitions, nameAndPartitions[0]);
            }
        }
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(broker, this::wants);
    }

    /** Whether {@code field} is an {@link InjectKafkaBroker} field this broker fits; fails for one it cannot fill. */
    private boolean wants(Field field) {
        if (!field.isAnnotationPresent(InjectKafkaBroker.class)) {
            return false;
        }
        if (field.getType().isInstance(broker)) {
            return true;
        }
        throw new IllegalStateException("@InjectKafkaBroker field " + field + " needs the in-JVM broker, and this "
                + "resource runs " + broker.getClass().getSimpleName() + ": declare it TestKafkaBroker, or give the "
                + "resource " + BROKER + "=in-jvm");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
