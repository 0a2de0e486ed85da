package dev.courier.accepter.problem;

import java.io.IOException;
import java.util.List;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.intake.Correlation;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.security.AccessDenied;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The accepter's one exception → response table. Every error leaves as RFC 9457 {@code application/problem+json}
 * with the request's correlation id; no stack trace ever reaches a client.
 *
 * <table>
 *   <caption>Exception to status</caption>
 *   <tr><th>Exception</th><th>Status</th></tr>
 *   <tr><td>{@link RequestProblem}</td><td>its own: 400, 403, 404, 409, 413, 422, 429 (with Retry-After), 503</td></tr>
 *   <tr><td>{@link AccessDenied}</td><td>401 (with WWW-Authenticate) or 403</td></tr>
 *   <tr><td>{@link NotSupportedException}</td><td>415</td></tr>
 *   <tr><td>other {@link WebApplicationException} (404, 405, ...)</td><td>its status</td></tr>
 *   <tr><td>{@link IOException} {@value #BODY_TOO_LARGE}</td><td>413</td></tr>
 *   <tr><td>anything else</td><td>500, logged with the correlation id</td></tr>
 * </table>
 */
public class ProblemMapper {
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static final String TYPE_PREFIX = "urn:courier:problem:";
    /** What the HTTP layer's body reader fails with past {@code quarkus.http.limits.max-body-size}. */
    private static final String BODY_TOO_LARGE = "Request too large";

    @ServerExceptionMapper
    public Response requestProblem(RequestProblem problem, HttpHeaders headers, HttpServerRequest request) {
        String correlationId = Correlation.forError(headers);
        if (problem.status() >= 500) {
            LOG.warnf("request not accepted [correlationId=%s]: %s", correlationId, problem.getMessage());
        }
        Response response = respond(document(problem, request.path(), correlationId));
        if (problem.retryAfterSeconds() > 0) {
            response.getHeaders().add(HttpHeaders.RETRY_AFTER, Long.toString(problem.retryAfterSeconds()));
        }
        return response;
    }

    @ServerExceptionMapper
    public Response accessDenied(AccessDenied denied, HttpHeaders headers, HttpServerRequest request) {
        Response response = respond(new Problem(
                TYPE_PREFIX + denied.type(),
                denied.title(),
                denied.status(),
                denied.getMessage(),
                request.path(),
                Correlation.forError(headers),
                null));
        if (denied.status() == 401) {
            response.getHeaders().add(HttpHeaders.WWW_AUTHENTICATE, AccessDenied.CHALLENGE);
        }
        return response;
    }

    /**
     * The problem document of {@code problem}: what a response refusing a request carries, and what a batch carries
     * for each item it refuses.
     */
    public static Problem document(RequestProblem problem, String instance, String correlationId) {
        return new Problem(
                TYPE_PREFIX + problem.type(),
                problem.title(),
                problem.status(),
                problem.getMessage(),
                instance,
                correlationId,
                problem.errors().isEmpty() ? null : problem.errors());
    }

    /** The problem document of an unexpected error (logged by the caller with the correlation id). */
    public static Problem internal(String instance, String correlationId) {
        return new Problem(
                TYPE_PREFIX + "internal",
                "Internal error",
                500,
                "an unexpected error occurred; quote the correlation id when reporting it",
                instance,
                correlationId,
                null);
    }

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e, HttpHeaders headers, HttpServerRequest request) {
        String sent = headers.getHeaderString(HttpHeaders.CONTENT_TYPE);
        return respond(new Problem(
                TYPE_PREFIX + "unsupported-media-type",
                "Unsupported media type",
                415,
                "the body must be application/json, not " + (sent == null ? "(no Content-Type)" : sent),
                request.path(),
                Correlation.forError(headers),
                List.of(new FieldError("Content-Type", "must be application/json"))));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpHeaders headers, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : "HTTP " + status;
        return respond(new Problem(
                TYPE_PREFIX + title.toLowerCase().replace(' ', '-'),
                title,
                status,
                title + ": " + e.getMessage(),
                request.path(),
                Correlation.forError(headers),
                null));
    }

    /**
     * A body sent chunked past {@code quarkus.http.limits.max-body-size}: the HTTP layer has already answered 413 and
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
            // Reading the body is the only I/O before a resource runs: a chunk size that is not hex, a body cut short.
            LOG.debugf("unreadable body of %s: %s", request.path(), e.getMessage());
            return respond(document(
                    RequestProblem.malformed("the request body could not be read"),
                    request.path(),
                    Correlation.forError(headers)));
        }
        long ceiling = ConfigProvider.getConfig()
                .getValue("quarkus.http.limits.max-body-size", MemorySize.class)
                .asLongValue();
        return respond(document(RequestProblem.tooLarge(ceiling), request.path(), Correlation.forError(headers)));
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
        String correlationId = Correlation.forError(headers);
        LOG.errorf(e, "unexpected error [correlationId=%s]", correlationId);
        return respond(internal(request.path(), correlationId));
    }

    private static Response respond(Problem problem) {
        return Response.status(problem.status())
                .type(CourierHeaders.PROBLEM_JSON)
                .header(CourierHeaders.CORRELATION_ID, problem.correlationId())
                .entity(problem)
                .build();
    }
}
