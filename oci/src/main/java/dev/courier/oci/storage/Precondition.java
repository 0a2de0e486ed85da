package dev.courier.oci.storage;

/** The condition a {@link ObjectStore#put} is made on, as HTTP's {@code If-Match} and {@code If-None-Match} say it. */
public sealed interface Precondition {

    /** Whatever is there: create or replace. */
    Precondition NONE = new None();

    /** Only if there is no object of this name yet ({@code If-None-Match: *}). */
    Precondition ABSENT = new Absent();

    /** Only if the object's current version has {@code etag} ({@code If-Match}). */
    static Precondition matching(String etag) {
        return new Matching(etag);
    }

    /** No condition. */
    record None() implements Precondition {}

    /** {@code If-None-Match: *}. */
    record Absent() implements Precondition {}

    /**
     * {@code If-Match}.
     *
     * @param etag the version the object must have
     */
    record Matching(String etag) implements Precondition {
        public Matching {
            if (etag == null || etag.isBlank()) {
                throw new IllegalArgumentException("If-Match needs an ETag");
            }
        }
    }
}
