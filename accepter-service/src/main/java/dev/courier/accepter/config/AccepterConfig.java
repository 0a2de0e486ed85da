package dev.courier.accepter.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import dev.courier.accepter.replay.ReplayConfig;
import dev.courier.oci.auth.OciAuthConfig;
import dev.courier.oci.storage.ClaimCheckConfig;
import dev.courier.oci.storage.ObjectStoreConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The accepter's configuration, {@code courier.accepter.*}. Kafka connection settings (bootstrap servers, security)
 * are the shared {@code kafka.*} properties.
 */
@ConfigMapping(prefix = "courier.accepter")
public interface AccepterConfig {

    /** Topic that accepted invocation requests are published to. */
    @WithDefault("courier.requests")
    String requestsTopic();

    /**
     * Largest HTTP request accepted, in bytes (the whole JSON document); a larger one gets 413 before it is read.
     * Large enough for a {@link #maxBodyBytes()} body in base64 (four thirds of it) and the rest of the document.
     */
    @WithDefault("9437184")
    int maxRequestBytes();

    /**
     * Largest {@code POST /v1/invocations/batch} document accepted, in bytes; a larger one gets 413 before it is read.
     * Each item is also held to {@link #maxBodyBytes()} and the claim check, as a single request is. The default is
     * the single request's limit: within the HTTP layer's ceiling ({@code quarkus.http.limits.max-body-size}, which
     * must stay above it), and about 9,000 items of 1 KiB, far more than a batch's 500 requests need.
     */
    @WithDefault("9437184")
    int maxBatchBytes();

    /**
     * Largest body accepted, in bytes: the JSON of {@code body}, or the decoded {@code bodyBase64}; a larger one gets
     * 413 naming the field. OCI Functions' own limit is 6 MB. Bodies over {@link #claimCheck()}'s threshold travel
     * out of band.
     */
    @WithDefault("6291456")
    int maxBodyBytes();

    /** Bodies too large for a Kafka record: stored in {@link #objectStore()}, the record carries a reference. */
    ClaimCheckConfig claimCheck();

    /** Where large bodies are stored: a local directory shared with the listener, or an OCI Object Storage bucket. */
    ObjectStoreConfig objectStore();

    /** OCI access. */
    Oci oci();

    /** {@code POST /v1/replays}: failed invocations enqueued again ({@code courier.accepter.replay.*}). */
    ReplayConfig replay();

    /** OCI access. */
    interface Oci {
        /** The accepter's OCI identity ({@code courier.accepter.oci.auth.*}), for an {@code oci} object store. */
        OciAuthConfig auth();
    }

    /**
     * How long a request waits for Kafka's acknowledgement (acks=all) before it is answered 503. The producer's
     * {@code delivery.timeout.ms}, {@code request.timeout.ms} and {@code max.block.ms} are derived from it.
     */
    @WithDefault("3s")
    Duration publishTimeout();

    /**
     * The producer's {@code linger.ms}. Zero on the request path: every request already waits for its own
     * acknowledgement, so batching delay is pure latency (BUILD-NOTES: 3x throughput at 64 connections).
     */
    @WithDefault("0ms")
    Duration linger();

    /** Base URL of cache-service: the status read model, cancellation markers and idempotency keys live there. */
    @WithDefault("http://127.0.0.1:8082")
    java.net.URI cacheUrl();

    /**
     * The API key this accepter presents to cache-service ({@code X-Api-Key}), one of cache-service's service role
     * ({@code courier.auth.api-keys."<name>".role=service}): idempotency keys and cancellations are Courier's own
     * namespaces. None when cache-service's authentication is off. A secret: from a secret store, never logged.
     */
    Optional<String> cacheApiKey();

    /**
     * Per-tenant policy, {@code courier.accepter.tenants."<tenant>".*}: what the tenant may call, how fast, how large.
     * A tenant without an entry has no limits but the service's own.
     */
    Map<String, TenantPolicy> tenants();

    /** One tenant's policy; every part is optional, and an absent one does not limit. */
    interface TenantPolicy {
        /** Routes ({@code target.route}) the tenant may call, as patterns ({@code *} is any run of characters). */
        Optional<List<String>> allowedRoutes();

        /** Hosts of {@code target.url} the tenant may call, as patterns ({@code *.example.com}); case-insensitive. */
        Optional<List<String>> allowedHosts();

        /** Function OCIDs ({@code target.functionId}) the tenant may call, as patterns ({@code ocid1.fnfunc.oc1.*}). */
        Optional<List<String>> allowedFunctions();

        /**
         * Invocation requests per second the tenant may submit (each request of a batch counts); more are 429 with
         * {@code Retry-After}. Enforced by a token bucket in each accepter replica: with N replicas behind a load
         * balancer, the tenant gets up to N times this.
         */
        OptionalDouble ratePerSecond();

        /** Requests the tenant may submit at once before the rate applies; {@code rate-per-second} (at least 1) when absent. */
        OptionalInt burst();

        /** The largest request document (JSON, or relayed body) the tenant may send, bytes; larger is 413. */
        OptionalInt maxRequestBytes();

        /**
         * The most cron schedules the tenant may hold; one more is 409. Counted, as {@code schedules.max} is, from
         * the schedules this replica knows of. Absent: only {@code schedules.max}, the service's, limits it.
         */
        OptionalInt maxSchedules();
    }

    /** How long an {@code Idempotency-Key} keeps meaning the same invocation. */
    @WithDefault("24h")
    Duration idempotencyWindow();

    /** How long a call to cache-service (status, cancellation, idempotency) may take before it is answered 503. */
    @WithDefault("2s")
    Duration statusTimeout();

    /**
     * Read-your-writes: {@code GET} and {@code DELETE} of an invocation whose id this service issued less than this long
     * ago wait (up to {@link #statusWait}) for its status to be projected instead of answering 404. The id is a ULID:
     * its time says when it was issued.
     */
    @WithDefault("2m")
    Duration statusRecentWindow();

    /**
     * How long a read of a recent invocation may wait for its status to appear (projection typically takes well under
     * 100 ms; up to 400 ms more on OCI Streaming).
     */
    @WithDefault("5s")
    Duration statusWait();

    /**
     * How long an idempotency key may stay <em>pending</em> (claimed, its request not yet marked stored) before a
     * duplicate resolves it: to the invocation it names if that invocation exists (the mark was lost after Kafka
     * acknowledged it), else by taking the key over (the first request was never stored). Longer than the publish
     * timeout plus a status projection.
     */
    @WithDefault("30s")
    Duration idempotencyPendingTimeout();

    /**
     * Header names whose values are secrets, besides Authorization, Proxy-Authorization, Cookie and X-Api-Key (always
     * sensitive), compared without case: their values in {@code headers} and {@code callback.headers} are sealed
     * ({@link #headerEncryption()}) before a request is published, so that no record holds them in clear.
     */
    Optional<List<String>> sensitiveHeaders();

    /** How sensitive header values are sealed at rest. */
    HeaderEncryption headerEncryption();

    /** How sensitive header values are sealed at rest: AES-256-GCM, the key's id in every sealed value. */
    interface HeaderEncryption {
        /**
         * The keys, {@code <key id>:<base64 of 32 bytes>}, comma-separated; the first seals. The listener must have
         * every key that sealed a record still in Kafka (rotation: add the new key to the listener's keys, then put it
         * first here; drop the old one from both once no record sealed with it is left). A secret (environment variable
         * {@code COURIER_ACCEPTER_HEADER_ENCRYPTION_KEYS}); never logged. None: a request with a sensitive header is
         * refused (422). The local, dev and test profiles use a fixed development key that is not a secret.
         */
        Optional<List<String>> keys();
    }

    /** Cron schedules, {@code /v1/schedules} (package {@code schedule}). */
    Schedules schedules();

    /**
     * Cron schedules. The definitions live in cache-service (namespace {@code courier.schedules}); every instance fires
     * every schedule, and each fire time is claimed as an idempotency key, so one invocation is enqueued per fire time.
     */
    interface Schedules {
        /**
         * How often an instance lists the schedules from cache-service, to learn of those created or deleted on other
         * instances. A deletion elsewhere takes effect at once regardless: every fire reads its schedule first.
         */
        @WithDefault("5s")
        Duration refresh();

        /**
         * How late a fire time may be and still fire (a slow tick, cache-service or Kafka briefly unavailable). A
         * schedule whose oldest unfired fire time is older than this missed its fires (every instance was down, or
         * nothing could be stored for that long) and does what its {@code missedFires} says. Quartz's default.
         */
        @WithDefault("1m")
        Duration misfireThreshold();

        /** Most schedules this service holds; one more is refused (409). Every instance keeps all of them in memory. */
        @WithDefault("1000")
        int max();

        /**
         * Largest schedule as stored (its JSON, the request template included), in bytes; a larger one is refused
         * (413 naming {@code request}). Every fire writes it to cache-service's change log again, with its fire count.
         */
        @WithDefault("65536")
        int maxDefinitionBytes();
    }

    /**
     * {@code Prefer: wait=N}: answering with the invocation's outcome when it ends within N seconds. The invocation
     * records are followed by {@code wait.InvocationRecordFollower}, with the shared {@code kafka.*} settings, only
     * while somebody waits.
     */
    @WithName("wait")
    Waiting waiting();

    /** {@code Prefer: wait=N}. */
    interface Waiting {
        /**
         * The longest wait honoured: a longer one is shortened to it (and {@code Preference-Applied} says so). Zero
         * turns waiting off: {@code Prefer: wait} is then ignored and every request answered {@code 202} at once.
         */
        @WithDefault("30s")
        Duration max();

        /**
         * Callers waiting at once in this instance, at most; one more is answered {@code 202} at once, without
         * {@code Preference-Applied}. Each holds an HTTP connection and a little memory until its wait ends.
         */
        @WithDefault("10000")
        int maxWaiters();

        /** The invocation record topics to follow: the listener's {@code topics.results} and {@code .failures}. */
        @WithDefault("courier.results,courier.failures")
        List<String> topics();

        /**
         * How long the records are still read after the last caller stopped waiting. Reading stops after it (no
         * fetch at all while nobody waits); the next caller to wait then costs one look-up of the partitions' ends
         * before its request is published, a few milliseconds.
         */
        @WithDefault("10s")
        Duration linger();
    }
}
