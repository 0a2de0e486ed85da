package dev.courier.cache.problem;

import java.util.List;
import java.util.concurrent.TimeoutException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.id.Ulid;
import dev.courier.security.AccessDenied;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The cache-service's one exception → {@code application/problem+json} table; no stack trace reaches a client. */
public class ProblemMapper {
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static final String TYPE_PREFIX = "urn:courier:problem:";

    @ServerExceptionMapper
    public Response cacheProblem(CacheProblem problem, HttpHeaders headers, UriInfo uri) {
        Response.ResponseBuilder response = respond(
                problem.status(),
                problem.type(),
                problem.getMessage(),
                uri,
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
    public Response accessDenied(AccessDenied denied, HttpHeaders headers, UriInfo uri) {
        Response.ResponseBuilder response =
                respond(denied.status(), denied.type(), denied.getMessage(), uri, headers, null);
        if (denied.status() == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, AccessDenied.CHALLENGE);
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response timeout(TimeoutException e, HttpHeaders headers, UriInfo uri) {
        return respond(503, "unavailable", "the change log did not answer in time; try again", uri, headers, null)
                .header("Retry-After", "1")
                .build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpHeaders headers, UriInfo uri) {
        int status = e.getResponse().getStatus();
        return respond(status, "http-" + status, e.getMessage(), uri, headers, null)
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpHeaders headers, UriInfo uri) {
        Response.ResponseBuilder response =
                respond(500, "internal", "an unexpected error occurred", uri, headers, null);
        LOG.errorf(e, "unexpected error on %s", uri.getPath());
        return response.build();
    }

    private static Response.ResponseBuilder respond(
            int status, String type, String detail, UriInfo uri, HttpHeaders headers, List<Problem.FieldError> errors) {
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
                        uri.getPath(),
                        correlationId,
                        errors));
    }
}
