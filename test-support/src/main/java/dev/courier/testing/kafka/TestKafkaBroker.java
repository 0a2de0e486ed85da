package dev.courier.testing.kafka;

import org.apache.kafka.clients.admin.Admin;

/**
 * A real Kafka broker a test talks to: the in-JVM {@link EmbeddedKafkaBroker}, or a Testcontainers Kafka where a
 * Docker daemon answers ({@link KafkaBrokerResource} chooses). A test that needs what only the in-JVM broker can do
 * (stop it mid-test, a SASL_SSL listener) declares an {@link EmbeddedKafkaBroker} field instead and asks for the
 * in-JVM broker ({@link KafkaBrokerResource#BROKER} {@code in-jvm}).
 */
public interface TestKafkaBroker extends AutoCloseable {

    /** {@code host:port} of the broker's plain client listener, for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** Creates each topic with {@code partitions} partitions; a topic that exists already is left as it is. */
    void createTopics(int partitions, String... topics);

    /** An admin client for this broker; the caller closes it. */
    Admin admin();

    /** Stops the broker and removes its data. */
    @Override
    void close();
}
