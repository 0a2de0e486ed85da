package dev.courier.security;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;

import io.vertx.core.http.HttpServerRequest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every request before anything else looks at it (pre-matching, ahead of the body limits): no valid
 * credential is a 401 problem document, whatever the path. Only health, metrics and OpenAPI ({@code /q/}) stay open,
 * for probes and scrapers.
 */
public class AccessFilter {
    private final AccessGate gate;
    private final CurrentCaller current;

    public AccessFilter(AccessGate gate, CurrentCaller current) {
        this.gate = gate;
        this.current = current;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request, HttpServerRequest http) {
        // Default deny: everything but /q/ needs a credential, so a path spelled oddly cannot slip past. The path as
        // sent, not decoded: decoding a hostile path threw here (a 500 before any resource ran).
        String path = http.path();
        if (!path.startsWith("/q/")) {
            current.set(gate.authenticate(request::getHeaderString));
        }
    }
}
