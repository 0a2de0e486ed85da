package dev.courier.testing.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A test profile with the Kafka settings of a service's {@code oci} profile: every {@code %oci.kafka.*} property of
 * its {@code application.properties}, as {@code kafka.*}, against {@link OciStreamingStandIn}. Only those: the
 * {@code test} profile stays active for the rest (127.0.0.1, loopback targets), and the {@code oci} profile's other
 * parts (OCI Functions, Object Storage) would need OCI itself.
 *
 * <p>Every Kafka client's configuration is recorded ({@link ClientConfigRecorder}), and the log also goes to
 * {@link #LOG_FILE} with Kafka's dumps of each client's configuration, so that a test can assert what the clients were
 * given and what was logged. A subclass names the topics to create.
 */
public abstract class OciStreamingTestProfile implements QuarkusTestProfile {
    /** Where the application's log goes (relative to the module), fresh for each application start. */
    public static final Path LOG_FILE = Path.of("target", "oci-streaming-test.log");

    private static final String OCI_KAFKA = "%oci.kafka.";

    /** The topics to create on the stand-in, {@code name:partitions,...}. */
    protected abstract String topics();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>();
        ociProfile().forEach((name, value) -> {
            if (name.startsWith(OCI_KAFKA)) {
                overrides.put(name.substring("%oci.".length()), value);
            }
        });
        overrides.put("kafka.interceptor.classes", ClientConfigRecorder.class.getName());
        try {
            Files.deleteIfExists(LOG_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        overrides.put("quarkus.log.file.enabled", "true");
        overrides.put("quarkus.log.file.path", LOG_FILE.toString());
        // Kafka logs every client's configuration at INFO, where a password would show if it were not hidden.
        overrides.put("quarkus.log.category.\"org.apache.kafka.common.config.AbstractConfig\".level", "INFO");
        return overrides;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(OciStreamingStandIn.class, Map.of(OciStreamingStandIn.TOPICS, topics())));
    }

    /**
     * The service's own {@code application.properties} (the one on the class path with {@code %oci.kafka.*}
     * properties); fails when there is none or more than one, so that a missing {@code %oci} block fails the test.
     */
    private Map<String, String> ociProfile() {
        List<Properties> candidates = new ArrayList<>();
        try {
            for (URL url : Collections.list(getClass().getClassLoader().getResources("application.properties"))) {
                Properties properties = new Properties();
                try (InputStream in = url.openStream()) {
                    properties.load(in);
                }
                if (properties.stringPropertyNames().stream().anyMatch(name -> name.startsWith(OCI_KAFKA))) {
                    candidates.add(properties);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (candidates.size() != 1) {
            throw new IllegalStateException("expected one application.properties with " + OCI_KAFKA
                    + "* properties, found " + candidates.size());
        }
        Map<String, String> settings = new HashMap<>();
        candidates
                .get(0)
                .stringPropertyNames()
                .forEach(name -> settings.put(name, candidates.get(0).getProperty(name)));
        return settings;
    }
}
