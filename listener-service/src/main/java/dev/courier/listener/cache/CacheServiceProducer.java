package dev.courier.listener.cache;

import java.time.Duration;
import java.util.Optional;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.listener.config.ListenerConfig;

/**
 * The listener's client of cache-service ({@code courier.listener.cache-url}, presenting
 * {@code courier.listener.cache-api-key} when one is set), or none when no URL is configured: then
 * cancellations and lanes are known from the change log alone, and lanes live in this listener's memory only.
 */
public class CacheServiceProducer {
    /** Generous: the listener's calls are a start-up listing and lane writes that are retried until taken. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Produces
    @Singleton
    Optional<CacheServiceClient> cacheService(ListenerConfig config) {
        return config.cacheUrl()
                .map(url -> new CacheServiceClient(url, TIMEOUT, "courier-cache-client", config.cacheApiKey()));
    }

    void close(@Disposes Optional<CacheServiceClient> client) {
        client.ifPresent(CacheServiceClient::close);
    }
}
