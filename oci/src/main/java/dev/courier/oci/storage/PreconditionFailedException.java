package dev.courier.oci.storage;

/** A {@link ObjectStore#put} whose {@link Precondition} did not hold (HTTP 412): nothing was written. */
public class PreconditionFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PreconditionFailedException(String name, Precondition precondition) {
        super("precondition " + precondition + " failed for object " + name, null, false, false);
    }
}
