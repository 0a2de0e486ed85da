package dev.courier.accepter.relay;

import java.util.List;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.intake.Correlation;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.wait.WaitPreference;
import dev.courier.accepter.wait.WaitingAcceptor;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.request.InvocationRequest;
import io.vertx.core.http.HttpServerRequest;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code ANY /v1/relay/{route}/{path}}: the call itself is the invocation (SPEC section 3). Its method, path below the
 * route, query, headers and body become the call to route {@code route}, accepted like {@code POST /v1/invocations}
 * ({@link RequestAcceptor}): {@code 202} only once Kafka has it. {@link RelayRequests} says what is passed on.
 *
 * <p>Nothing is declared as consumed or produced: the caller's {@code Content-Type} and {@code Accept} are the target's
 * business, so neither may make the accepter refuse the call (415, 406). The answer is JSON, or a problem document.
 */
// One parameter for the route and the path after it: both are read from the raw path below.
@Path(RelayResource.PATH + "{routeAndPath: .+}")
public class RelayResource {
    /** Where relay calls begin; the route name follows. */
    public static final String PATH = "/v1/relay/";

    private final RelayRequests requests;
    private final RequestAcceptor acceptor;
    private final WaitingAcceptor answers;

    public RelayResource(RelayRequests requests, RequestAcceptor acceptor, WaitingAcceptor answers) {
        this.requests = requests;
        this.acceptor = acceptor;
        this.answers = answers;
    }

    @GET
    @Operation(summary = "Relay a GET to a route; answered once Kafka has it durably")
    @APIResponse(responseCode = "202", description = "Stored; the call will follow")
    @APIResponse(responseCode = "413", description = "Body over max-body-bytes")
    @APIResponse(responseCode = "422", description = "Invalid control header, path or other part, each named")
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge in time; NOT accepted")
    public CompletionStage<Response> get(@Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("GET", withoutBody(headers), headers, request);
    }

    @HEAD
    @Operation(summary = "Relay a HEAD to a route (the 202 has no body)")
    public CompletionStage<Response> head(@Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("HEAD", withoutBody(headers), headers, request);
    }

    @POST
    @Operation(summary = "Relay a POST to a route; answered once Kafka has it durably")
    public CompletionStage<Response> post(
            byte[] body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("POST", body, headers, request);
    }

    @PUT
    @Operation(summary = "Relay a PUT to a route; answered once Kafka has it durably")
    public CompletionStage<Response> put(
            byte[] body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("PUT", body, headers, request);
    }

    @PATCH
    @Operation(summary = "Relay a PATCH to a route; answered once Kafka has it durably")
    public CompletionStage<Response> patch(
            byte[] body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("PATCH", body, headers, request);
    }

    @DELETE
    @Operation(summary = "Relay a DELETE to a route; answered once Kafka has it durably")
    public CompletionStage<Response> delete(
            byte[] body, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("DELETE", body, headers, request);
    }

    @OPTIONS
    @Operation(summary = "Relay an OPTIONS to a route; answered once Kafka has it durably")
    public CompletionStage<Response> options(@Context HttpHeaders headers, @Context HttpServerRequest request) {
        return relay("OPTIONS", withoutBody(headers), headers, request);
    }

    /**
     * No body for a GET, HEAD or OPTIONS: RFC 9110 gives content in them no meaning, and many servers and proxies drop
     * or refuse it. One that was sent is refused rather than silently left out of the call.
     */
    private static byte[] withoutBody(HttpHeaders headers) {
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (headers.getHeaderString("Transfer-Encoding") != null
                || (length != null && !length.trim().equals("0"))) {
            throw RequestProblem.invalidFields(
                    List.of(new FieldError("body", "a relayed GET, HEAD or OPTIONS cannot carry a body")));
        }
        return null;
    }

    private CompletionStage<Response> relay(
            String method, byte[] body, HttpHeaders headers, HttpServerRequest request) {
        // The raw path, not the path parameters: the path is passed on as it was sent, percent-encoding included.
        String raw = request.path();
        int prefix = raw.indexOf(PATH);
        if (prefix < 0) {
            // Matched only once decoded (e.g. /v1/rel%61y/...): there is no raw path to pass on.
            throw RequestProblem.malformed("the relay path must begin with " + PATH + " as it is, not encoded");
        }
        String afterPrefix = raw.substring(prefix + PATH.length());
        int slash = afterPrefix.indexOf('/');
        String route = RelayRequests.decodeSegment(slash >= 0 ? afterPrefix.substring(0, slash) : afterPrefix);
        String path = slash >= 0 ? afterPrefix.substring(slash + 1) : null;
        InvocationRequest relayed =
                requests.toInvocation(method, route, path, request.query(), headers.getRequestHeaders(), body);
        InvocationRequest toStore = acceptor.admit(relayed, Correlation.fromHeaders(headers));
        int documentBytes = RelayRequests.documentBytes(toStore);
        // Prefer: wait=N works here as on POST /v1/invocations: a relayed call whose answer comes back in time.
        return answers.accept(
                new RequestAcceptor.Submission(toStore, toStore.idempotencyKey(), documentBytes),
                headers.getRequestHeader(WaitPreference.PREFER));
    }
}
