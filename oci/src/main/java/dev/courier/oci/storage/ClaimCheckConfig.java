package dev.courier.oci.storage;

import io.smallrye.config.WithDefault;

/**
 * The claim check's settings: a configuration group the accepter and the listener include under their own prefix,
 * e.g. {@code courier.accepter.claim-check.threshold}.
 */
public interface ClaimCheckConfig {

    /**
     * A body that takes more bytes than this in a Kafka record (the JSON of {@code body}, or {@code bodyBase64}) is
     * stored in the object store and the record carries a reference. Under OCI Streaming's 1 MB message limit, with
     * room for the rest of the record.
     */
    @WithDefault("900000")
    int threshold();

    /** Object store transfers (bodies stored, fetched or deleted) in progress at once at most; more wait their turn. */
    @WithDefault("8")
    int transfers();
}
