package dev.courier.testing.kafka;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource that starts an {@link EmbeddedKafkaBroker} before the application and points
 * {@code kafka.bootstrap.servers} at it.
 *
 * <p>Arguments (via {@code initArgs}): {@value #TOPICS} is a comma-separated list of {@code name:partitions} to create
 * before the application starts, e.g. {@code courier.requests:3,courier.results:1}. A test reaches the broker through
 * an {@link InjectKafkaBroker} field, for example to stop it.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {
    /** Init argument: topics to create, {@code name:partitions,...}. */
    public static final String TOPICS = "topics";

    private EmbeddedKafkaBroker broker;
    private String topics = "";

    @Override
    public void init(Map<String, String> initArgs) {
        topics = initArgs.getOrDefault(TOPICS, "");
    }

    @Override
    public Map<String, String> start() {
        broker = EmbeddedKafkaBroker.start();
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
        testInjector.injectIntoFields(
                broker, new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, EmbeddedKafkaBroker.class));
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
