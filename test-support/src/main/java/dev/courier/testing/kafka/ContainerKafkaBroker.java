package dev.courier.testing.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Kafka in a container (Testcontainers, image {@value #IMAGE}: the Kafka version Quarkus 3.31.4 manages), for machines
 * where a Docker daemon answers. A single KRaft node, its listener mapped to a free port on the host.
 */
public final class ContainerKafkaBroker implements TestKafkaBroker {
    /** The image: Apache Kafka, the version the services are built against. */
    public static final String IMAGE = "apache/kafka:4.1.1";

    private final KafkaContainer container;

    private ContainerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    /** Starts the container and waits until Kafka is ready. */
    @SuppressWarnings("resource") // closed by close()
    public static ContainerKafkaBroker start() {
        KafkaContainer container = new KafkaContainer(IMAGE)
                // As the in-JVM broker: no 3 s wait before the first consumer group forms.
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return new ContainerKafkaBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers().replaceFirst("^PLAINTEXT://", "");
    }

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

    @Override
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000));
    }

    @Override
    public void close() {
        container.stop();
    }
}
