package dev.courier.oci.storage;

import java.util.Optional;

/**
 * Where Courier keeps objects: snapshots of the cache, request bodies too large for a Kafka record, responses kept for
 * a callback. OCI Object Storage in the {@code oci} profile ({@link OciObjectStore}), a local directory otherwise
 * ({@link LocalObjectStore}); both behave the same, preconditions included.
 *
 * <p>Names are segments of {@code [A-Za-z0-9._~:-]} separated by {@code /}, none empty or starting with a dot; they
 * sort as strings. Every method blocks: callers on an event loop run them elsewhere. Failures other than the ones
 * named here are {@link ObjectStoreException}s.
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * Stores {@code content} as {@code name} if {@code precondition} holds, and answers the new version's ETag.
     *
     * @throws PreconditionFailedException when it does not hold (HTTP 412); nothing is written
     */
    String put(String name, byte[] content, Precondition precondition);

    /** The object {@code name}, or empty when there is none. */
    Optional<StoredObject> get(String name);

    /** The ETag of the object {@code name}, or empty when there is none; the content is not read. */
    Optional<String> head(String name);

    /**
     * Up to {@code limit} names that start with {@code prefix}, in order, from {@code start} (inclusive; null for the
     * first), and where the next page starts.
     */
    ObjectListing list(String prefix, String start, int limit);

    /** Deletes the object {@code name}; answers whether there was one. */
    boolean delete(String name);

    /** Releases what the store holds (an SDK client's connections); nothing by default. */
    @Override
    default void close() {}
}
