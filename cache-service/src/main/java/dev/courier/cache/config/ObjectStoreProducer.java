package dev.courier.cache.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.ObjectStores;

/** The object store snapshots are kept in, as {@code courier.cache.object-store.*} describes it. */
public class ObjectStoreProducer {

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(CacheConfig config) {
        return ObjectStores.open(config.objectStore());
    }
}
