package dev.courier.security;

import java.util.function.Function;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every request before anything else looks at it (pre-matching, ahead of the body limits): no valid
 * credential is a 401 problem document, whatever the path. Only health, metrics and OpenAPI ({@code /q/}) stay open,
 * for probes and scrapers.
 *
 * <p>Two steps, because a credential may take a worker thread to verify: {@link #authenticate} finds the caller, on the
 * event loop when that cannot wait on the network, else on a worker ({@link AccessGate#mayWaitOnNetwork}: a JWT whose
 * keys come from a JWKS URL), and leaves it on the request; {@link #remember} then hands it to {@link CurrentCaller}.
 * The second step is its own filter because the request scope is active while a filter runs, not in the callback
 * where the worker's answer arrives.
 */
public class AccessFilter {
    /** The request property that carries the caller from {@link #authenticate} to {@link #remember}. */
    private static final String CALLER = Caller.class.getName();

    private final AccessGate gate;
    private final CurrentCaller current;
    private final Vertx vertx;

    public AccessFilter(AccessGate gate, CurrentCaller current, Vertx vertx) {
        this.gate = gate;
        this.current = current;
        this.vertx = vertx;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Uni<Void> authenticate(ContainerRequestContext request, HttpServerRequest http) {
        // Default deny: everything but /q/ needs a credential, so a path spelled oddly cannot slip past. The path as
        // sent, not decoded: decoding a hostile path threw here (a 500 before any resource ran).
        if (http.path().startsWith("/q/")) {
            return Uni.createFrom().voidItem();
        }
        Function<String, String> header = request::getHeaderString;
        if (!gate.mayWaitOnNetwork(header)) {
            request.setProperty(CALLER, gate.authenticate(header));
            return Uni.createFrom().voidItem();
        }
        // The answer comes back to this request's own context (its event loop), where the chain goes on.
        Context context = vertx.getOrCreateContext();
        return Uni.createFrom()
                .completionStage(() -> vertx.executeBlocking(() -> gate.authenticate(header), false)
                        .toCompletionStage())
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .invoke(caller -> request.setProperty(CALLER, caller))
                .replaceWithVoid();
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION + 1)
    public void remember(ContainerRequestContext request) {
        if (request.getProperty(CALLER) instanceof Caller caller) {
            current.set(caller);
        }
    }
}
