package dev.courier.accepter.status;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.cache.CacheClient;
import dev.courier.accepter.intake.Acceptance;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.status.InvocationStatus;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /v1/invocations/{id}}: an invocation's status (SPEC section 6), read from the status read model that
 * cache-service projects from the records the system writes; {@code DELETE}: cancel it. Neither touches the delivery
 * path: a cancellation is a marker in the cache, which the listener follows through the change log.
 */
@Path("/v1/invocations/{id}")
public class InvocationStatusResource {
    /** Longer than the longest deferral (30 days), so a marker outlives the invocation it cancels. */
    private static final Duration CANCELLATION_TTL = Duration.ofDays(32);

    private final CacheClient cache;
    private final ObjectMapper mapper;

    public InvocationStatusResource(CacheClient cache, ObjectMapper mapper) {
        this.cache = cache;
        this.mapper = mapper;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The status of an invocation")
    public CompletionStage<Response> status(@PathParam("id") String id) {
        return read(id).thenApply(status ->
                Response.ok(status.toString(), MediaType.APPLICATION_JSON).build());
    }

    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel an invocation that has not been delivered; 409 once it has ended")
    public CompletionStage<Response> cancel(@PathParam("id") String id) {
        return read(id).thenCompose(status -> {
            InvocationStatus current =
                    InvocationStatus.valueOf(status.get("status").asText());
            if (current.isTerminal() && current != InvocationStatus.CANCELLED) {
                throw RequestProblem.conflict("invocation " + id + " has already ended: " + current);
            }
            return cache.put(CacheNamespaces.CANCELLATIONS, id, "{\"id\":\"" + id + "\"}", CANCELLATION_TTL, null)
                    .handle((reply, error) -> {
                        // 412: already cancelled, which is what the caller wants.
                        if (error != null || (reply.status() != 201 && reply.status() != 412)) {
                            throw RequestProblem.unavailable("the cancellation could not be stored; try again");
                        }
                        String statusUrl = "/v1/invocations/" + id;
                        return Response.accepted(new Acceptance(id, InvocationStatus.CANCELLED, statusUrl))
                                .build();
                    });
        });
    }

    private CompletionStage<JsonNode> read(String id) {
        if (!id.matches(InvocationRequest.ID_PATTERN)) {
            throw RequestProblem.notFound("no invocation has the id " + id);
        }
        return cache.get(CacheNamespaces.STATUS, id).handle((reply, error) -> {
            if (error != null) {
                throw RequestProblem.unavailable("the status store did not answer; try again");
            }
            if (reply.status() == 404) {
                throw RequestProblem.notFound("no invocation with id " + id + " is known (yet)");
            }
            if (reply.status() != 200) {
                throw RequestProblem.unavailable("the status store answered " + reply.status());
            }
            try {
                return mapper.readTree(reply.body());
            } catch (IOException e) {
                throw RequestProblem.unavailable("the status store answered with an unreadable document");
            }
        });
    }
}
