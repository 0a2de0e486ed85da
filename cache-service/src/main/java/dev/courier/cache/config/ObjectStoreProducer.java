package dev.courier.cache.config;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.ObjectStores;
import io.quarkus.runtime.Startup;

/** The object store snapshots are kept in, as {@code courier.cache.object-store.*} describes it. */
public class ObjectStoreProducer {
    // Built at start-up, not on first use: a misconfigured store stops the service with the setting named, and
    // building an SDK client (seconds) never happens on an event loop or the consumer thread.

    @Produces
    @Singleton
    @Startup
    ObjectStore objectStore(CacheConfig config) {
        return ObjectStores.open(config.objectStore(), config.oci().auth(), "courier.cache");
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }
}
