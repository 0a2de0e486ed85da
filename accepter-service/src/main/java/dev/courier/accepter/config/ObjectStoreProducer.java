package dev.courier.accepter.config;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.oci.storage.ClaimCheck;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.ObjectStores;
import io.quarkus.runtime.Startup;

/** The object store large bodies go to, and the claim check over it, as {@code courier.accepter.*} describes them. */
public class ObjectStoreProducer {
    // Built at start-up, not on first use: a misconfigured store stops the service with the setting named, and
    // building an SDK client (seconds) never happens on an event loop or the consumer thread.

    @Produces
    @Singleton
    @Startup
    ObjectStore objectStore(AccepterConfig config) {
        return ObjectStores.open(config.objectStore(), config.oci().auth(), "courier.accepter");
    }

    @Produces
    @Singleton
    @Startup
    ClaimCheck claimCheck(ObjectStore store, ObjectMapper mapper, AccepterConfig config) {
        return ClaimCheck.open(store, mapper, config.claimCheck());
    }

    void close(@Disposes ClaimCheck claimCheck) {
        claimCheck.close();
    }

    void close(@Disposes ObjectStore store) {
        store.close();
    }
}
