package dev.courier.listener.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.PathConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The real {@link ListenerConfig} mapping over the given properties and its defaults, for tests without Quarkus. */
public final class TestListenerConfig {
    private TestListenerConfig() {}

    /** {@code properties} (e.g. {@code courier.listener.callback.timeout=1s}) over the mapping's defaults. */
    public static ListenerConfig of(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ListenerConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(Path.class, 200, new PathConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(ListenerConfig.class);
    }
}
