package dev.courier.accepter.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.intake.Acceptance;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.id.Ulid;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.status.InvocationStatus;
import dev.courier.security.CurrentCaller;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;

/**
 * {@code GET /v1/invocations/{id}}: an invocation's status (SPEC section 6), read from the status read model that
 * cache-service projects from the records the system writes; {@code DELETE}: cancel it. Neither touches the delivery
 * path: a cancellation is a marker in the cache, which the listener follows through the change log, and a
 * cancellation recorded in the read model, so that the status says {@code CANCELLED} at once.
 *
 * <p>Read-your-writes: the status of an id issued moments ago may not be projected yet (typically it is within
 * 100 ms). An id is a ULID, so its time says how recent it is: for a recent one the read waits, bounded, for the
 * projection rather than answering 404 for an invocation this service has just accepted.
 *
 * <p>A caller sees and cancels only its tenant's invocations: the read names the caller's tenant, and cache-service
 * answers another tenant's invocation exactly as an unknown one (404, after the same wait), so no caller learns that
 * another tenant's id exists. A cancellation is made only after that read.
 */
@Path("/v1/invocations/{id}")
public class InvocationStatusResource {
    private static final Logger LOG = Logger.getLogger(InvocationStatusResource.class);
    /** Longer than the longest deferral (30 days), so a marker outlives the invocation it cancels. */
    private static final Duration CANCELLATION_TTL = Duration.ofDays(32);

    private final CacheServiceClient cache;
    private final ObjectMapper mapper;
    private final Duration recentWindow;
    private final Duration statusWait;
    private final CurrentCaller caller;

    public InvocationStatusResource(
            CacheServiceClient cache, ObjectMapper mapper, AccepterConfig config, CurrentCaller caller) {
        this.caller = caller;
        this.cache = cache;
        this.mapper = mapper;
        this.recentWindow = config.statusRecentWindow();
        this.statusWait = config.statusWait();
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
        String tenant = caller.get().tenant();
        return read(id).thenCompose(status -> {
            InvocationStatus current =
                    InvocationStatus.valueOf(status.get("status").asText());
            if (current.isTerminal() && current != InvocationStatus.CANCELLED) {
                throw RequestProblem.conflict("invocation " + id + " has already ended: " + current);
            }
            byte[] marker = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
            return cache.put(CacheNamespaces.CANCELLATIONS, id, marker, CANCELLATION_TTL, Precondition.ABSENT)
                    .handle((reply, error) -> {
                        // 412: already cancelled, which is what the caller wants.
                        if (error != null || (reply.status() != 201 && reply.status() != 412)) {
                            throw RequestProblem.unavailable("the cancellation could not be stored; try again");
                        }
                        return reply;
                    })
                    .thenCompose(stored -> cache.cancel(id, tenant))
                    .handle((recorded, error) -> {
                        if (error == null && recorded.status() == 409) {
                            // It ended between the read and the cancellation: the marker changes nothing now.
                            throw RequestProblem.conflict("invocation " + id + " has already ended");
                        }
                        if (error != null || recorded.status() != 200) {
                            // The marker is stored, so the invocation is cancelled; its status follows when it is due.
                            LOG.warnf(
                                    "invocation %s is cancelled, but its status could not be updated yet (%s)",
                                    id, error != null ? error.toString() : "status " + recorded.status());
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
        String tenant = caller.get().tenant();
        return cache.status(id, recent(id) ? statusWait : Duration.ZERO, tenant).handle((reply, error) -> {
            if (error != null) {
                throw RequestProblem.unavailable("the status store did not answer; try again");
            }
            if (reply.status() == 404) {
                throw RequestProblem.notFound("no invocation with id " + id + " is known");
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

    /** Whether {@code id} was issued recently enough that its status may still be on its way. */
    private boolean recent(String id) {
        if (!Ulid.isValid(id)) {
            return false; // a direct producer's own id: nothing says when it was issued
        }
        long age = System.currentTimeMillis() - Ulid.timestamp(id);
        return age < recentWindow.toMillis() && age > -recentWindow.toMillis();
    }
}
