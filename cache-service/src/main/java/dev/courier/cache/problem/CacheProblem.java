package dev.courier.cache.problem;

/** A request the cache refuses, with its status; {@link ProblemMapper} turns it into a problem document. */
public class CacheProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String field;

    public CacheProblem(int status, String type, String field, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.field = field;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The part of the request the problem is about, or null. */
    public String field() {
        return field;
    }
}
