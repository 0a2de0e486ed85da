package dev.courier.accepter.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
     * Largest request body accepted, in bytes; a larger one gets 413. Keep it under the producer's
     * {@code max.request.size} (1 MiB by default, and OCI Streaming's 1 MB message limit).
     */
    @WithDefault("1000000")
    int maxRequestBytes();

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

    /** Base URL of cache-service, where invocation status is read (namespace {@code courier.status}). */
    @WithDefault("http://127.0.0.1:8082")
    java.net.URI cacheUrl();

    /** How long an {@code Idempotency-Key} keeps meaning the same invocation. */
    @WithDefault("24h")
    Duration idempotencyWindow();

    /** How long a call to cache-service (status, cancellation, idempotency) may take before it is answered 503. */
    @WithDefault("2s")
    Duration statusTimeout();
}
