package dev.courier.accepter.cache;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.cacheclient.CacheServiceClient;
import io.quarkus.runtime.Startup;

/**
 * The accepter's client of cache-service ({@code courier.accepter.cache-url}, presenting
 * {@code courier.accepter.cache-api-key} when one is set). Built at start-up, not on first use:
 * building an HTTP client loads the JDK's TLS context, which must not happen on an event loop mid-request.
 */
public class CacheServiceProducer {

    @Produces
    @Singleton
    @Startup
    CacheServiceClient cacheService(AccepterConfig config) {
        return new CacheServiceClient(
                config.cacheUrl(), config.statusTimeout(), "courier-cache-client", config.cacheApiKey());
    }

    void close(@Disposes CacheServiceClient client) {
        client.close();
    }
}
