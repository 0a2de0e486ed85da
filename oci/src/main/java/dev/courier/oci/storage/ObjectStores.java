package dev.courier.oci.storage;

/** Builds the {@link ObjectStore} a service's {@link ObjectStoreConfig} describes. */
public final class ObjectStores {
    private ObjectStores() {}

    /** The store {@code config} describes. */
    public static ObjectStore open(ObjectStoreConfig config) {
        return switch (config.kind()) {
            case LOCAL -> new LocalObjectStore(config.directory());
            case OCI -> throw new IllegalStateException("the oci object store needs the OCI authentication");
        };
    }
}
