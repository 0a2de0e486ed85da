package dev.courier.cache.state;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.courier.cache.config.CacheConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * What the unit tests of the state need without an application: a real {@link StateDb} in a directory of the test's,
 * closed by the test (its {@code close} is the container's), and the real {@link CacheConfig} mapping with its
 * defaults, as the service would read it, plus a test's own settings.
 */
public final class TestState {
    /** Small: the tests hold little, and every open state reserves its block cache outside the heap. */
    private static final long BLOCK_CACHE_BYTES = 8L << 20;

    private TestState() {}

    /** The state kept in {@code directory} (created when absent). */
    public static StateDb open(Path directory) {
        return new StateDb(directory, BLOCK_CACHE_BYTES);
    }

    /** Closes {@code db} as the container does at shutdown; everything committed stays in its directory. */
    public static void close(StateDb db) {
        db.close();
    }

    /** The cache's configuration: its defaults, with {@code settings} ({@code name, value, ...}) over them. */
    public static CacheConfig config(String... settings) {
        if (settings.length % 2 != 0) {
            throw new IllegalArgumentException("settings come in name, value pairs");
        }
        Map<String, String> properties = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            properties.put(settings[i], settings[i + 1]);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(CacheConfig.class)
                // Durations as the service writes them ("5s", "7d"), not only ISO-8601.
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 400))
                .build();
        return config.getConfigMapping(CacheConfig.class);
    }
}
