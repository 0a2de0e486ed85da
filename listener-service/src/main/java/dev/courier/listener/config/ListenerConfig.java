package dev.courier.listener.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import dev.courier.oci.auth.OciAuthConfig;
import dev.courier.oci.storage.ClaimCheckConfig;
import dev.courier.oci.storage.ObjectStoreConfig;
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

    /** Delivery of requests that have an {@code orderingKey}. */
    Ordering ordering();

    /** cache-service's change log, followed for cancellation markers and ordering-key lanes. */
    @WithDefault("courier.cache.changes")
    String cacheChangesTopic();

    /**
     * cache-service: asked once at start-up for the cancellation markers and lane entries it holds, so that entries
     * older than the change log's retention are known too, and where the listener writes ordering-key lane entries.
     * Without it, only the retained log is followed and lanes live in this listener's memory alone (not crash-safe).
     */
    Optional<java.net.URI> cacheUrl();

    /**
     * How long the {@code idempotencyKey} of a request a producer published straight to Kafka keeps meaning the same
     * invocation: the claim's lifetime in cache-service. Keep it equal to the accepter's
     * {@code courier.accepter.idempotency-window}: both claim keys in the same entries.
     */
    @WithDefault("24h")
    Duration idempotencyWindow();

    /**
     * The API key this listener presents to cache-service ({@code X-Api-Key}), one of cache-service's service role
     * ({@code courier.auth.api-keys."<name>".role=service}: lanes and cancellations are Courier's own namespaces); none
     * when cache-service's authentication is off. A secret: from a secret store, never logged.
     */
    Optional<String> cacheApiKey();

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

    /**
     * Bodies kept out of band: request bodies the accepter stored (fetched for each attempt, deleted when the invocation
     * ends), and responses too large to park with a callback.
     */
    ClaimCheckConfig claimCheck();

    /** Where stored bodies are: the accepter's store (the same directory when local), or an OCI Object Storage bucket. */
    ObjectStoreConfig objectStore();

    /** Forwarding responses to callback addresses. */
    Callback callback();

    /** Which addresses targets and callbacks may have. */
    Egress egress();

    /** How sealed (encrypted) sensitive header values are opened right before a call. */
    HeaderEncryption headerEncryption();

    /** Retries of failed attempts. */
    Retry retry();

    /** The delay-tier topics where retries and deferred deliveries wait. */
    Delay delay();

    /** Per-target limits and circuit breakers. */
    Limits limits();

    /**
     * Named routes a request may call instead of giving a URL ({@code target.route}): a base URL and its policy, e.g.
     * {@code courier.listener.routes.billing.url=https://billing.internal/api}.
     */
    Map<String, Route> routes();

    /** A named route. */
    interface Route {
        /** The URL a request naming this route is sent to (its query parameters are appended). */
        java.net.URI url();

        /**
         * Whether this route may reach loopback and private-network addresses, which the egress policy otherwise
         * refuses: an operator's explicit allowance for an internal service. Link-local addresses stay refused.
         */
        @WithDefault("false")
        boolean allowPrivate();

        /** Retry defaults of this route; the listener's defaults fill what is not set. */
        RouteRetry retry();
    }

    /** Retry defaults of a route. */
    interface RouteRetry {
        /** Attempts in all, when the request does not say. */
        OptionalInt maxAttempts();

        /** Wait before the second attempt, when the request does not say. */
        Optional<Duration> initialBackoff();

        /** Longest wait between two attempts, when the request does not say. */
        Optional<Duration> maxBackoff();

        /** Growth of the wait per attempt, when the request does not say. */
        OptionalDouble multiplier();
    }

    /** Per-key ordering: one call at a time per ordering key, in the order the requests were accepted. */
    interface Ordering {
        /**
         * How long a request whose key is busy (an earlier request of the key is not finished) waits in a delay tier
         * before it looks again. Not an attempt.
         */
        @WithDefault("1s")
        Duration busyWait();
    }

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

        /**
         * Largest response body an invocation record carries, in bytes, for a request that asks for it
         * ({@code recordResponse}: the accepter's {@code Prefer: wait}); beyond it the body is cut and the record says
         * {@code truncated}. In base64 it takes four thirds of this in the record, which must stay within the topic's
         * message size (1 MB on OCI Streaming).
         */
        @WithDefault("262144")
        int recordResponseMaxBytes();

        /**
         * Largest request a failure record carries, in bytes of its JSON ({@code courier.request}, what a replay
         * repeats); a longer one is left out, and that invocation cannot be replayed. With a recorded response
         * ({@link #recordResponseMaxBytes()}, four thirds of it in base64) a record must stay within the topic's message
         * size (1 MB on OCI Streaming). A body over the claim check's threshold is in the request by reference only.
         */
        @WithDefault("524288")
        int recordRequestMaxBytes();
    }

    /** Forwarding responses to callback addresses. */
    interface Callback {
        /** Time allowed for one callback delivery. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * Standard Webhooks signing secrets, {@code whsec_<base64>}. Every callback is signed with each of them (more
         * than one while a secret is rotated); none means callbacks are not signed. Keep them in a secret store: the
         * value is never logged.
         */
        Optional<List<String>> signingSecrets();
    }

    /**
     * Retries of failed attempts. A request's own {@code retry} policy is used where given, bounded by the limits
     * here; the defaults fill the gaps.
     */
    interface Retry {
        /** Attempts in all, the first included, when the request does not say. */
        @WithDefault("5")
        int maxAttempts();

        /** Wait before the second attempt, when the request does not say. */
        @WithDefault("1s")
        Duration initialBackoff();

        /** Longest wait between two attempts, when the request does not say. */
        @WithDefault("10m")
        Duration maxBackoff();

        /** Growth of the wait from one attempt to the next, when the request does not say. */
        @WithDefault("2.0")
        double multiplier();

        /** Each wait is varied at random by up to this fraction either way, so that retries do not stampede. */
        @WithDefault("0.2")
        double jitter();

        /** The most attempts a request may ask for. */
        @WithDefault("20")
        int maxAttemptsLimit();

        /** The longest wait between attempts a request may ask for. */
        @WithDefault("6h")
        Duration maxBackoffLimit();

        /** A target's {@code Retry-After} is honoured up to this long. */
        @WithDefault("1h")
        Duration maxRetryAfter();
    }

    /**
     * Per-target limits, each target being a host ({@code scheme://host:port}), a route or a function. Limits are per
     * listener instance. While a target is limited or its circuit is open, its calls wait in a delay tier; they do
     * not fail and do not use up attempts.
     */
    interface Limits {
        /** Limits of targets not named in {@link #targets()}. */
        TargetLimits defaults();

        /** Limits by target, e.g. {@code courier.listener.limits.targets."https://api.example.com:443".max-per-second}. */
        Map<String, TargetLimits> targets();

        /** Consecutive retryable failures that open a target's circuit. */
        @WithDefault("5")
        int failureThreshold();

        /** How long an open circuit stays open before one probe call is let through. */
        @WithDefault("30s")
        Duration openDuration();
    }

    /** The limits of one target. */
    interface TargetLimits {
        /** Calls started per second at most; none means no rate limit. */
        OptionalDouble maxPerSecond();

        /** Calls in flight at once at most; none means no limit. */
        OptionalInt maxConcurrent();
    }

    /**
     * The delay tiers: one topic per wait length, {@code <topic-prefix><label>} (e.g. {@code courier.delay.10s}). A
     * record waits in the longest tier not longer than its remaining wait, then hops to the next; each tier's
     * partitions are paused until their head is due, so nothing waits in listener memory.
     */
    interface Delay {
        /** Prefix of the tier topics. */
        @WithDefault("courier.delay.")
        String topicPrefix();

        /** The tiers' wait lengths; each must be a whole number of seconds, minutes or hours. */
        @WithDefault("1s,10s,1m,10m,1h")
        List<Duration> tiers();

        /** Consumer group of the delay-tier consumers. */
        @WithDefault("courier-listener-delay")
        String groupId();
    }

    /**
     * Which addresses targets, callbacks and invoke endpoints may have. Public addresses are always allowed; the
     * others only when enabled here, so that Courier cannot be used to reach a private network (SSRF). Never allowed:
     * 0.0.0.0/8, link-local addresses and cloud metadata services, multicast, broadcast, reserved 240.0.0.0/4, and
     * the unspecified address. An IPv6 address carrying an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo)
     * counts as that IPv4 address. The ranges: {@code dispatch.EgressPolicy}.
     */
    interface Egress {
        /** Allow 127.0.0.0/8 and ::1. Off in production; on in the local and test profiles. */
        @WithDefault("false")
        boolean allowLoopback();

        /**
         * Allow private ranges: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), 198.18/15 (benchmarking), fc00::/7,
         * fec0::/10 and the local-use NAT64 prefix 64:ff9b:1::/48.
         */
        @WithDefault("false")
        boolean allowPrivateNetworks();
    }

    /**
     * Sensitive header values arrive sealed ({@code enc:v1:<keyId>:…}, sealed by the accepter); the listener opens
     * every sealed value, whatever its header, right before the call or the callback, and nowhere else. A value that
     * does not open ends the invocation {@code Rejected}; a clear value (a direct producer's) is sent as it is.
     */
    interface HeaderEncryption {
        /**
         * The keys, {@code <key id>:<base64 of 32 bytes>}, comma-separated: every key that sealed a record still in
         * Kafka (the accepter's, the old ones too while a key is rotated). A secret (environment variable
         * {@code COURIER_LISTENER_HEADER_ENCRYPTION_KEYS}); never logged. The local, dev and test profiles use a
         * fixed development key that is not a secret.
         */
        Optional<List<String>> keys();
    }

    /**
     * OCI: how the listener authenticates to OCI and calls function targets. Without {@code auth.type} the listener
     * has no OCI access: it starts and delivers HTTP targets, and ends function targets {@code Rejected}
     * ({@code UnsupportedTarget}).
     */
    Oci oci();

    /** OCI access for function targets. */
    interface Oci {
        /**
         * The listener's OCI identity ({@code courier.listener.oci.auth.*}), for function targets and an {@code oci}
         * object store. A set type with missing or wrong settings stops the listener at start-up with a message
         * naming the setting. Key material is never logged.
         */
        OciAuthConfig auth();

        /**
         * The Functions management endpoint, asked once per function ({@code GetFunction}) for the invoke endpoint of
         * a target that does not give one; default: the region's ({@code https://functions.<region>.oci.oraclecloud.com}).
         */
        Optional<java.net.URI> functionsEndpoint();

        /** Time allowed for one {@code GetFunction} call. */
        @WithDefault("10s")
        Duration managementTimeout();

        /** How many functions' resolved invoke endpoints are remembered (least recently used forgotten first). */
        @WithDefault("1000")
        int invokeEndpointCacheSize();

        /** How long a resolved invoke endpoint is used before it is asked for again. */
        @WithDefault("1h")
        Duration invokeEndpointTtl();

        /**
         * How many invoke endpoints have an SDK client (and its connection pool) at once; the least recently used is
         * closed when it is idle. Invoke endpoints are few (one per region and tenancy shard).
         */
        @WithDefault("16")
        int maxInvokeClients();
    }
}
