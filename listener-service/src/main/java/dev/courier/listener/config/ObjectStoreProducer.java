package dev.courier.listener.config;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.oci.storage.ClaimCheck;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.ObjectStores;

/**
 * The object store large bodies are read from and large responses kept in, and the claim check over it, as
 * {@code courier.listener.*} describes them.
 */
public class ObjectStoreProducer {

    @Produces
    @Singleton
    ObjectStore objectStore(ListenerConfig config) {
        return ObjectStores.open(config.objectStore(), config.oci().auth(), "courier.listener");
    }

    @Produces
    @Singleton
    ClaimCheck claimCheck(ObjectStore store, ObjectMapper mapper, ListenerConfig config) {
        return ClaimCheck.open(store, mapper, config.claimCheck());
    }

    void close(@Disposes ClaimCheck claimCheck) {
        claimCheck.close();
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }
}
