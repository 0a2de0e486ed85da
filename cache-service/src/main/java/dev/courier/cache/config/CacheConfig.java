package dev.courier.cache.config;

import java.nio.file.Path;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The cache-service's configuration, {@code courier.cache.*}. Kafka connection settings are the shared {@code kafka.*}
 * properties.
 */
@ConfigMapping(prefix = "courier.cache")
public interface CacheConfig {

    /** What this instance does: {@code writer}, {@code reader}, or {@code both} (the local default). */
    @WithDefault("both")
    Role role();

    /** The change log every instance applies, keyed by {@code namespace/key} so that per-key order holds. */
    @WithDefault("courier.cache.changes")
    String changesTopic();

    /** Longest key, in UTF-8 bytes. */
    @WithDefault("512")
    int maxKeyBytes();

    /** Largest value, in bytes (a change travels as one Kafka record: keep it under the 1 MB message limit). */
    @WithDefault("1000000")
    int maxValueBytes();

    /** Most entries one namespace may hold; a write that would add one more is refused (409). */
    @WithDefault("100000")
    int maxEntriesPerNamespace();

    /** How long a write waits for its change to be appended and decided before it is answered 503. */
    @WithDefault("5s")
    Duration writeTimeout();

    /** How long a read with {@code Courier-Cache-Min-Token} waits for that write to be applied here before 503. */
    @WithDefault("2s")
    Duration minTokenWait();

    /** Snapshots of the materialized state. */
    Snapshots snapshots();

    /** What an instance does. */
    enum Role {
        /** Accepts writes (and serves reads). */
        WRITER,
        /** Serves reads only; writes are refused with 405. */
        READER,
        /** Both, in one process. */
        BOTH;

        /** Whether this role accepts writes. */
        public boolean writes() {
            return this != READER;
        }
    }

    /** Snapshots of the materialized state, so that start-up replays only the log written since. */
    interface Snapshots {
        /** How often a writer takes a snapshot of each partition (also on shutdown). */
        @WithDefault("60s")
        Duration interval();

        /** Directory of the local snapshot store (the default store; OCI Object Storage in the {@code oci} profile). */
        @WithDefault("cache-snapshots")
        Path directory();
    }
}
