package dev.courier.accepter.replay;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/** {@code POST /v1/replays}: failed invocations enqueued again from the failures topic ({@code courier.accepter.replay.*}). */
public interface ReplayConfig {

    /** The topic of the failure records the listener writes, which a replay reads. */
    @WithDefault("courier.failures")
    String failuresTopic();

    /**
     * The widest window {@code [from, to)} one replay may cover; a wider one is 422 naming {@code to}. The default is
     * OCI Streaming's longest retention: a record older than the topic's retention is gone anyway.
     */
    @WithDefault("168h")
    Duration maxWindow();

    /** Replays running at once on one replica; one more is answered 503 (send it again later). */
    @WithDefault("2")
    int maxRunning();

    /** Failure records handed to the intake at once while a replay runs (one batch of acceptances). */
    @WithDefault("100")
    int batchSize();

    /** How often a running replay writes its progress to cache-service, where any replica reads it. */
    @WithDefault("1s")
    Duration progressInterval();

    /** How long a replay's progress document is kept in cache-service after its last write. */
    @WithDefault("168h")
    Duration retention();
}
