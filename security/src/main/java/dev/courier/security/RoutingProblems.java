package dev.courier.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.id.Ulid;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The problem document for a request refused before any resource sees it, so never by a service's own exception mapper ({@code ProblemMapper}): Vert.x
 * Web fails a request whose {@code Host} is missing or not a valid {@code host[:port]} with 400 as it starts routing
 * it (RFC 9112 section 3.2 says 400 too), and a body sent chunked past {@code quarkus.http.limits.max-body-size} is
 * answered 413 by the HTTP layer before the resource fails reading it. Without this, Quarkus's default handler answered those and logged each one as
 * an ERROR with a stack trace: anyone could fill the log. Found by the fuzz test (e2e {@code HostileInputIT}).
 * <p>Here, in the bean archive both HTTP services depend on, so the accepter and the cache-service answer such a
 * request the same way.
 */
@ApplicationScoped
public class RoutingProblems {
    void register(@Observes Router router) {
        // First of the failure handlers: every other one would log.
        router.route().order(Integer.MIN_VALUE).failureHandler(this::refuse);
    }

    void refuse(RoutingContext context) {
        if (context.response().ended() && context.response().getStatusCode() == 413) {
            // The body reader refused a body sent chunked past quarkus.http.limits.max-body-size and answered 413
            // itself; what failed after that is only the resource's late answer (ProblemMapper.unreadableBody).
            return;
        }
        int status = context.statusCode();
        if (status < 400 || status >= 500 || context.response().headWritten()) {
            context.next();
            return;
        }
        HttpServerRequest request = context.request();
        boolean badHost = request.authority() == null;
        String detail = badHost
                ? "the Host header is missing or not a valid host[:port]"
                : "the request could not be routed (HTTP " + status + ")";
        String correlationId = Ulid.next();
        JsonObject problem = new JsonObject()
                .put("type", "urn:courier:problem:" + (badHost ? "malformed" : "http-" + status))
                .put("title", badHost ? "Malformed request" : "HTTP " + status)
                .put("status", status)
                .put("detail", detail)
                .put("instance", request.path())
                .put("correlationId", correlationId);
        context.response()
                .setStatusCode(status)
                .putHeader("Content-Type", CourierHeaders.PROBLEM_JSON)
                .putHeader(CourierHeaders.CORRELATION_ID, correlationId)
                .end(problem.encode());
    }
}
