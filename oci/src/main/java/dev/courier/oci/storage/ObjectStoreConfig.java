package dev.courier.oci.storage;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.WithDefault;

/**
 * Where a service keeps its objects: a configuration group each service includes under its own prefix, e.g.
 * {@code courier.cache.object-store.kind=oci}. {@link ObjectStores#open} builds the store from it; an {@code oci}
 * store authenticates with the service's OCI identity ({@code courier.<service>.oci.auth.*}).
 */
public interface ObjectStoreConfig {

    /** {@code local} (a directory; the default) or {@code oci} (an Object Storage bucket). */
    @WithDefault("local")
    Kind kind();

    /**
     * {@code local}: the directory. Services that hand bodies to each other (accepter and listener) must share it: one
     * machine, or a shared volume.
     */
    @WithDefault("courier-objects")
    Path directory();

    /** {@code oci}: the bucket. Required for {@code oci}. */
    Optional<String> bucket();

    /** {@code oci}: the tenancy's Object Storage namespace; looked up once with {@code GetNamespace} when not set. */
    Optional<String> namespace();

    /**
     * {@code oci}: the Object Storage endpoint, e.g. {@code https://objectstorage.eu-frankfurt-1.oraclecloud.com};
     * when not set, the endpoint of the authentication's region.
     */
    Optional<URI> endpoint();

    /** {@code oci}: time allowed to connect, and to wait for an answer, per Object Storage request. */
    @WithDefault("30s")
    Duration timeout();

    /** What kind of store. */
    enum Kind {
        /** A local directory ({@link LocalObjectStore}). */
        LOCAL,
        /** An OCI Object Storage bucket ({@link OciObjectStore}). */
        OCI
    }
}
