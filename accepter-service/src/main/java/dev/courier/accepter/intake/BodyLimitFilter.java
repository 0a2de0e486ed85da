package dev.courier.accepter.intake;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body whose declared length is over the limit before any of it is read: the batch limit for
 * {@code POST /v1/invocations/batch}, the request limit for everything else.
 */
public class BodyLimitFilter {
    private final int maxRequestBytes;
    private final int maxBatchBytes;

    public BodyLimitFilter(AccepterConfig config) {
        this.maxRequestBytes = config.maxRequestBytes();
        this.maxBatchBytes = config.maxBatchBytes();
    }

    @ServerRequestFilter(preMatching = true)
    public void limit(ContainerRequestContext request, HttpServerRequest sent) {
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            // Pre-matching: the resource is not chosen yet, so the path decides. The path as sent: decoding fails on
            // "%zz", and would fail the request with a 500.
            int limit = sent.path().startsWith(InvocationBatchResource.PATH) ? maxBatchBytes : maxRequestBytes;
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    throw RequestProblem.tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                throw RequestProblem.malformed("Content-Length is not a number");
            }
        }
    }
}
