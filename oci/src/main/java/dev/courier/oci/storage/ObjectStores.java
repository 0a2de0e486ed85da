package dev.courier.oci.storage;

import java.util.Optional;

import com.oracle.bmc.Region;
import com.oracle.bmc.auth.BasicAuthenticationDetailsProvider;
import com.oracle.bmc.objectstorage.ObjectStorageClient;
import dev.courier.oci.SdkClientConfiguration;
import dev.courier.oci.auth.OciAuthConfig;
import dev.courier.oci.auth.OciAuthProviders;
import dev.courier.oci.auth.OciAuthSettings;

/** Builds the {@link ObjectStore} a service's {@link ObjectStoreConfig} describes. */
public final class ObjectStores {
    private ObjectStores() {}

    /**
     * The store {@code config} describes. An {@code oci} store authenticates with the service's OCI identity
     * {@code auth}; {@code prefix} is the service's configuration prefix (e.g. {@code courier.accepter}), for messages
     * that name the setting to fix.
     */
    public static ObjectStore open(ObjectStoreConfig config, OciAuthConfig auth, String prefix) {
        return switch (config.kind()) {
            case LOCAL -> new LocalObjectStore(config.directory());
            case OCI -> oci(config, auth, prefix);
        };
    }

    private static ObjectStore oci(ObjectStoreConfig config, OciAuthConfig auth, String prefix) {
        String bucket = config.bucket()
                .orElseThrow(() ->
                        new IllegalStateException(prefix + ".object-store.bucket: an oci object store needs a bucket"));
        OciAuthSettings settings = auth.settings()
                .orElseThrow(() -> new IllegalStateException(prefix
                        + ".oci.auth.type: an oci object store needs an OCI identity (e.g. instance-principal)"));
        OciAuthProviders providers = new OciAuthProviders(prefix + ".oci.auth");
        BasicAuthenticationDetailsProvider identity = providers.create(settings);
        ObjectStorageClient.Builder client = ObjectStorageClient.builder()
                .configuration(SdkClientConfiguration.of(config.timeout(), config.timeout()));
        Optional<Region> region = providers.region(identity, settings);
        if (config.endpoint().isPresent()) {
            client.endpoint(config.endpoint().get().toString());
        } else if (region.isPresent()) {
            client.region(region.get());
        } else {
            throw new IllegalStateException(prefix + ".object-store.endpoint: needed because the OCI identity has no"
                    + " region (or set " + prefix + ".oci.auth.region)");
        }
        return new OciObjectStore(client.build(identity), config.namespace().orElse(null), bucket);
    }
}
