package dev.courier.accepter.problem;

import java.util.List;

import dev.courier.common.http.Problem.FieldError;

/**
 * A request the accepter refuses, with the status and problem type it is answered with. Thrown by the intake and
 * turned into {@code application/problem+json} by {@link ProblemMapper}; the request was not accepted.
 */
public class RequestProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String title;
    private final transient List<FieldError> errors;
    private final long retryAfterSeconds;

    private RequestProblem(int status, String type, String title, String detail, List<FieldError> errors) {
        this(status, type, title, detail, errors, 0);
    }

    private RequestProblem(
            int status, String type, String title, String detail, List<FieldError> errors, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the body is not a JSON document (or is empty). */
    public static RequestProblem malformed(String detail) {
        return new RequestProblem(400, "malformed-request", "Malformed request", detail, List.of());
    }

    /** 422: the document is JSON but one or more fields are invalid; each is named. */
    public static RequestProblem invalidFields(List<FieldError> errors) {
        // At most MAX_ERRORS named, joined in linear time: a document of 50,000 unknown fields took the event loop
        // for seconds when the detail was built by repeated concatenation (found by the fuzz test).
        List<FieldError> named = errors.size() > MAX_ERRORS ? errors.subList(0, MAX_ERRORS) : errors;
        String detail = named.isEmpty()
                ? "invalid request"
                : named.stream()
                        .map(error -> error.field() + ": " + error.message())
                        .collect(java.util.stream.Collectors.joining("; "));
        if (errors.size() > MAX_ERRORS) {
            detail += "; and " + (errors.size() - MAX_ERRORS) + " more";
        }
        return new RequestProblem(422, "invalid-field", "Invalid request field", detail, List.copyOf(named));
    }

    /** The most invalid fields one problem document names. */
    static final int MAX_ERRORS = 100;

    /** 413: the body is larger than {@code limit} bytes. */
    public static RequestProblem tooLarge(long limit) {
        return new RequestProblem(
                413,
                "too-large",
                "Request too large",
                "the request body is larger than the limit of " + limit + " bytes",
                List.of(new FieldError("body", "larger than " + limit + " bytes")));
    }

    /** 413: the body in {@code field} is larger than {@code limit} bytes. */
    public static RequestProblem bodyTooLarge(String field, long limit) {
        return new RequestProblem(
                413,
                "too-large",
                "Request too large",
                field + " is larger than the limit of " + limit + " bytes",
                List.of(new FieldError(field, "larger than " + limit + " bytes")));
    }

    /** 413: the request is larger than its tenant may send ({@code courier.accepter.tenants.*.max-request-bytes}). */
    public static RequestProblem tenantTooLarge(long limit) {
        return tenantTooLarge(limit, "body");
    }

    /** {@link #tenantTooLarge(long)} naming {@code field} (a schedule's {@code request.body}). */
    public static RequestProblem tenantTooLarge(long limit, String field) {
        return new RequestProblem(
                413,
                "too-large",
                "Request too large",
                "the request is larger than this tenant's limit of " + limit + " bytes",
                List.of(new FieldError(field, "larger than " + limit + " bytes")));
    }

    /** 403: the caller's tenant may not call this target; {@code field} names the part of the target. */
    public static RequestProblem forbidden(String field, String detail) {
        return new RequestProblem(
                403, "forbidden", "Forbidden", field + ": " + detail, List.of(new FieldError(field, detail)));
    }

    /** 429: the tenant is over its rate; a token is there again in {@code retryAfterSeconds}. */
    public static RequestProblem tooManyRequests(String tenant, long retryAfterSeconds) {
        return new RequestProblem(
                429,
                "too-many-requests",
                "Too many requests",
                "tenant " + tenant + " is over its rate; not accepted, send it again in " + retryAfterSeconds + " s",
                List.of(),
                retryAfterSeconds);
    }

    /** 404: no invocation with this id is known. */
    public static RequestProblem notFound(String detail) {
        return new RequestProblem(404, "not-found", "Not found", detail, List.of());
    }

    /** 409: the request conflicts with the invocation's state. */
    public static RequestProblem conflict(String detail) {
        return new RequestProblem(409, "conflict", "Conflict", detail, List.of());
    }

    /**
     * 503: Kafka did not acknowledge the request in time, or a part Courier needs is unavailable; it was NOT accepted
     * and may be sent again.
     */
    public static RequestProblem unavailable(String detail) {
        return new RequestProblem(503, "unavailable", "Service unavailable", detail, List.of());
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** For a 429: the seconds after which to send it again ({@code Retry-After}); else 0. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
