package dev.courier.listener.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The listener's configuration, {@code courier.listener.*}. Kafka connection settings (bootstrap servers, security)
 * are the shared {@code kafka.*} properties.
 */
@ConfigMapping(prefix = "courier.listener")
public interface ListenerConfig {

    /** Topic names. */
    Topics topics();

    /** Consumer group of the listeners; every listener instance in the group shares the partitions. */
    @WithDefault("courier-listener")
    String groupId();

    /**
     * Calls in flight at once in this listener, across all its partitions. Independent of the partition count: records
     * of one partition are dispatched concurrently and their offsets committed as a contiguous completed prefix.
     */
    @WithDefault("256")
    int maxInFlight();

    /**
     * Shortest time between two offset commits. At 100 ms a consumer sends at most 10 commit requests per second,
     * OCI Streaming's limit.
     */
    @WithDefault("100ms")
    Duration commitInterval();

    /** On shutdown, how long in-flight calls may take to finish before the listener stops without them. */
    @WithDefault("10s")
    Duration shutdownGrace();

    /** Calling targets. */
    Dispatch dispatch();

    /** Forwarding responses to callback addresses. */
    Callback callback();

    /** Which addresses targets and callbacks may have. */
    Egress egress();

    /** Topic names. */
    interface Topics {
        /** Where invocation requests are read from. */
        @WithDefault("courier.requests")
        String requests();

        /** Where the records of successful invocations go. */
        @WithDefault("courier.results")
        String results();

        /** Where the records of every other terminal outcome go, rejected records included. */
        @WithDefault("courier.failures")
        String failures();
    }

    /** Calling targets. */
    interface Dispatch {
        /** Time allowed to open a connection to a target (the per-attempt timeout still bounds the whole call). */
        @WithDefault("5s")
        Duration connectTimeout();

        /**
         * Largest response body kept from a target, in bytes (OCI Functions' own limit is 6 MB). Beyond it the body
         * is cut and the callback says so with {@code Courier-Response-Truncated: true}.
         */
        @WithDefault("6291456")
        int maxResponseBytes();
    }

    /** Forwarding responses to callback addresses. */
    interface Callback {
        /** Time allowed for one callback delivery. */
        @WithDefault("10s")
        Duration timeout();
    }

    /**
     * Which addresses targets and callbacks may have. Public addresses are always allowed; the others only when
     * enabled here, so that Courier cannot be used to reach a private network (SSRF). Link-local addresses (cloud
     * metadata services) and the unspecified address are never allowed.
     */
    interface Egress {
        /** Allow 127.0.0.0/8 and ::1. Off in production; on in the local and test profiles. */
        @WithDefault("false")
        boolean allowLoopback();

        /** Allow private ranges: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT) and fc00::/7. */
        @WithDefault("false")
        boolean allowPrivateNetworks();
    }
}
