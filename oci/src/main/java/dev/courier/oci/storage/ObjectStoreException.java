package dev.courier.oci.storage;

/** An object store that could not do what was asked: unreachable, refusing, or its disk failing. */
public class ObjectStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
