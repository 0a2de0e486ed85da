package dev.courier.e2e;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import dev.courier.testing.kafka.EmbeddedKafkaBroker;

/**
 * The parts most end-to-end tests start alike: Courier's topics on the test's broker, and a cache-service of its own.
 * A test that needs something else (other partition counts, a cache with settings of its own) writes it out.
 */
final class CourierStack {
    private CourierStack() {}

    /**
     * Creates the topics every service uses: requests, results, failures and the cache's change log with 3 partitions
     * each, the five delay tiers with 1.
     */
    static void createTopics(EmbeddedKafkaBroker kafka) {
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures", "courier.cache.changes");
        createDelayTiers(kafka);
    }

    /** Creates the listener's five delay tiers, with 1 partition each. */
    static void createDelayTiers(EmbeddedKafkaBroker kafka) {
        kafka.createTopics(
                1,
                "courier.delay.1s",
                "courier.delay.10s",
                "courier.delay.1m",
                "courier.delay.10m",
                "courier.delay.1h");
    }

    /** Starts cache-service {@code name} on {@code kafka}, with snapshots in a new temporary directory. */
    static ServiceProcess startCache(String name, EmbeddedKafkaBroker kafka) throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put(
                "courier.cache.object-store.directory",
                Files.createTempDirectory("courier-" + name).toString());
        return ServiceProcess.start(name, "courier.cache.app", config);
    }
}
