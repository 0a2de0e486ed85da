package dev.courier.cache.config;

import java.time.Duration;

import dev.courier.oci.auth.OciAuthConfig;
import dev.courier.oci.storage.ObjectStoreConfig;
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

    /**
     * Most entries one namespace may hold; a write that would add one more is refused (409). Courier's own namespaces
     * ({@code courier.*}) have no cap: expiry keeps them bounded.
     */
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

    /** The materialized state on local disk. */
    State state();

    /** The materialized state: an embedded RocksDB store in a local directory, off the Java heap. */
    interface State {
        /**
         * Where the state is kept. Give every instance a directory of its own that survives a restart (a persistent
         * volume): a restarted instance then replays only the log written since it stopped; an empty directory starts
         * from the newest snapshot.
         */
        @WithDefault("courier-state")
        String directory();

        /** Memory for RocksDB's block cache, outside the Java heap (the write buffers take up to 32 MiB per column). */
        @WithDefault("67108864")
        long blockCacheBytes();
    }

    /** Where snapshots are kept: a local directory, or an OCI Object Storage bucket. */
    ObjectStoreConfig objectStore();

    /** OCI access. */
    Oci oci();

    /** OCI access. */
    interface Oci {
        /** The cache's OCI identity ({@code courier.cache.oci.auth.*}), for an {@code oci} object store. */
        OciAuthConfig auth();
    }

    /** The invocation status read model. */
    Status status();

    /**
     * The invocation status read model (SPEC section 6): writer instances project the status events that the records
     * the system writes anyway carry.
     */
    interface Status {
        /** Whether writer instances run the projector. */
        @WithDefault("true")
        boolean enabled();

        /** The projector's consumer group. */
        @WithDefault("courier-cache-status")
        String groupId();

        /** The requests topic (the listener's {@code courier.listener.topics.requests}). */
        @WithDefault("courier.requests")
        String requestsTopic();

        /** The delay-tier topics (the listener's tiers). */
        @WithDefault("courier.delay.1s,courier.delay.10s,courier.delay.1m,courier.delay.10m,courier.delay.1h")
        java.util.List<String> delayTopics();

        /** The invocation record topics: results and failures. */
        @WithDefault("courier.results,courier.failures")
        java.util.List<String> recordTopics();

        /** How long a status document is kept after its last event. */
        @WithDefault("7d")
        Duration retention();

        /**
         * Shortest time between two offset commits of the projector: 100 ms is at most 10 commits per second, OCI
         * Streaming's limit per consumer group.
         */
        @WithDefault("100ms")
        Duration commitInterval();

        /**
         * How long the broker may hold one of the projector's fetches to gather more events ({@code fetch.max.wait.ms},
         * with a {@code fetch.min.bytes} no such wait fills): the events of that time are folded per invocation and
         * appended as one status change per change-log partition, instead of one change for nearly every event. A
         * status becomes readable up to this much later; the accepter's reads of recent ids wait for it. Never below
         * the shared {@code kafka.fetch.max.wait.ms} (OCI Streaming's 200 ms: at most 5 reads per second).
         */
        @WithDefault("50ms")
        Duration gather();
    }

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

        /**
         * How many snapshots of each partition are kept; older ones are deleted after each new snapshot. More than
         * one, so that a reader that listed a snapshot just replaced still finds one.
         */
        @WithDefault("2")
        int keep();
    }
}
