package dev.courier.cache.store;

/**
 * How a change was decided when it was applied, in log order, identically on every instance.
 *
 * @param outcome the kind of outcome
 * @param etag the entry's ETag after the change (null when nothing is stored)
 */
public record Decision(Outcome outcome, String etag) {

    /** The kinds of outcome and the HTTP status the writer answers with. */
    public enum Outcome {
        CREATED(201),
        REPLACED(200),
        DELETED(204),
        NOT_FOUND(404),
        PRECONDITION_FAILED(412),
        NAMESPACE_FULL(409);

        private final int status;

        Outcome(int status) {
            this.status = status;
        }

        /** The HTTP status of this outcome. */
        public int status() {
            return status;
        }
    }
}
