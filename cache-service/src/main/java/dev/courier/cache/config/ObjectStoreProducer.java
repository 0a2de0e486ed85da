package dev.courier.cache.config;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.ObjectStores;

/** The object store snapshots are kept in, as {@code courier.cache.object-store.*} describes it. */
public class ObjectStoreProducer {

    @Produces
    @Singleton
    ObjectStore objectStore(CacheConfig config) {
        return ObjectStores.open(config.objectStore(), config.oci().auth(), "courier.cache");
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }
}
