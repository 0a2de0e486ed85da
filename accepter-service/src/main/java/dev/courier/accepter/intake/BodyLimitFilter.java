package dev.courier.accepter.intake;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Refuses a body whose declared length is over the limit before any of it is read. */
public class BodyLimitFilter {
    private final int maxRequestBytes;

    public BodyLimitFilter(AccepterConfig config) {
        this.maxRequestBytes = config.maxRequestBytes();
    }

    @ServerRequestFilter(preMatching = true)
    public void limit(ContainerRequestContext request) {
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxRequestBytes) {
                    throw RequestProblem.tooLarge(maxRequestBytes);
                }
            } catch (NumberFormatException e) {
                throw RequestProblem.malformed("Content-Length is not a number");
            }
        }
    }
}
