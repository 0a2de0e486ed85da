package dev.courier.oci.storage;

/**
 * An object as read from an {@link ObjectStore}.
 *
 * @param content its bytes
 * @param etag its version
 */
public record StoredObject(byte[] content, String etag) {}
