package dev.courier.cache.problem;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.id.Ulid;
import dev.courier.security.AccessDenied;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The cache-service's one exception → {@code application/problem+json} table; no stack trace reaches a client. */
public class ProblemMapper {
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static final String TYPE_PREFIX = "urn:courier:problem:";
    /** What the HTTP layer's body reader fails with past {@code quarkus.http.limits.max-body-size}. */
    private static final String BODY_TOO_LARGE = "Request too large";

    @ServerExceptionMapper
    public Response cacheProblem(CacheProblem problem, HttpHeaders headers, HttpServerRequest request) {
        Response.ResponseBuilder response = respond(
                problem.status(),
                problem.type(),
                problem.getMessage(),
                request,
                headers,
                problem.field() == null
                        ? null
                        : List.of(new Problem.FieldError(problem.field(), problem.getMessage())));
        if (problem.status() == 503) {
            response.header("Retry-After", "1");
        }
        return response.build();
    }

    /** 401 (with the challenge) or 403: the credential, never echoed. */
    @ServerExceptionMapper
    public Response accessDenied(AccessDenied denied, HttpHeaders headers, HttpServerRequest request) {
        Response.ResponseBuilder response =
                respond(denied.status(), denied.type(), denied.getMessage(), request, headers, null);
        if (denied.status() == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, AccessDenied.CHALLENGE);
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response timeout(TimeoutException e, HttpHeaders headers, HttpServerRequest request) {
        return respond(503, "unavailable", "the change log did not answer in time; try again", request, headers, null)
                .header("Retry-After", "1")
                .build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpHeaders headers, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        return respond(status, "http-" + status, e.getMessage(), request, headers, null)
                .build();
    }

    /**
     * A value sent chunked past {@code quarkus.http.limits.max-body-size}: the HTTP layer has already answered 413 and
     * is closing the connection when reading the body fails with this. Mapped so that it is not logged as an
     * unexpected error (found by the fuzz test), as is a connection the caller closed in the middle of the body; any
     * other {@link IOException} here is a body that could not be read (a chunk size that is not hex): 400.
     */
    @ServerExceptionMapper
    public Response unreadableBody(IOException e, HttpHeaders headers, HttpServerRequest request) {
        if (closedByTheClient(e)) {
            // The caller hung up in the middle of its body: nobody reads this answer, and it is no error of ours.
            LOG.debugf("connection closed before the body of %s was read", request.path());
            return Response.status(400).build();
        }
        if (!BODY_TOO_LARGE.equals(e.getMessage())) {
            // Reading the value is the only I/O before a resource runs: a chunk size that is not hex, a body cut short.
            LOG.debugf("unreadable body of %s: %s", request.path(), e.getMessage());
            return respond(400, "malformed-request", "the request body could not be read", request, headers, null)
                    .build();
        }
        return respond(413, "too-large", "the value is larger than the HTTP layer's limit", request, headers, null)
                .build();
    }

    private static boolean closedByTheClient(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpClosedException) {
                return true;
            }
        }
        return false;
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpHeaders headers, HttpServerRequest request) {
        Response.ResponseBuilder response =
                respond(500, "internal", "an unexpected error occurred", request, headers, null);
        LOG.errorf(e, "unexpected error on %s", request.path());
        return response.build();
    }

    private static Response.ResponseBuilder respond(
            int status,
            String type,
            String detail,
            HttpServerRequest request,
            HttpHeaders headers,
            List<Problem.FieldError> errors) {
        String correlationId = headers.getHeaderString(CourierHeaders.CORRELATION_ID);
        if (correlationId == null) {
            correlationId = Ulid.next();
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return Response.status(status)
                .type(CourierHeaders.PROBLEM_JSON)
                .entity(new Problem(
                        TYPE_PREFIX + type,
                        known != null ? known.getReasonPhrase() : "HTTP " + status,
                        status,
                        detail,
                        request.path(),
                        correlationId,
                        errors));
    }
}
