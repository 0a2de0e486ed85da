package dev.courier.accepter.replay;

import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.request.InvocationRequest;
import dev.courier.security.CurrentCaller;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /v1/replays}: enqueue the failed invocations of a time window again; {@code GET /v1/replays/{id}}: how
 * far a replay got. A replay is its caller's tenant's: it replays that tenant's failures only, and another tenant's
 * replay id is a 404 exactly as an unknown one.
 */
@Path("/v1/replays")
public class ReplayResource {
    private final ReplayRequests reader;
    private final Replays replays;
    private final CurrentCaller caller;

    public ReplayResource(ReplayRequests reader, Replays replays, CurrentCaller caller) {
        this.reader = reader;
        this.replays = replays;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay the failures recorded in [from, to): each matching invocation enqueued again, once")
    @APIResponse(
            responseCode = "202",
            description = "Started in the background on this replica; Location is its progress",
            content = @Content(schema = @Schema(implementation = ReplayProgress.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "409", description = "A replay with this id is running on this replica")
    @APIResponse(
            responseCode = "422",
            description = "Invalid field(s), each named: times, window, condition, target",
            content =
                    @Content(mediaType = CourierHeaders.PROBLEM_JSON, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Too many replays running on this replica; not started")
    public Response start(
            @RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = ReplaySpec.class)))
                    byte[] body) {
        ReplayProgress started = replays.start(reader.read(body), caller.get().tenant());
        return Response.accepted(started)
                // As the intake's Location: the path, not resolved against this replica's address.
                .header(HttpHeaders.LOCATION, "/v1/replays/" + started.id())
                .build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A replay's progress: scanned, matched, enqueued, duplicates, skipped, failed, state")
    @APIResponse(
            responseCode = "200",
            description = "The replay's progress",
            content = @Content(schema = @Schema(implementation = ReplayProgress.class)))
    @APIResponse(
            responseCode = "404",
            description = "No such replay of the caller's tenant (or its progress has expired)")
    @APIResponse(responseCode = "503", description = "cache-service unavailable")
    public CompletionStage<ReplayProgress> progress(@PathParam("id") String id) {
        // Only an id a replay may have reaches cache-service: a longer one was a 503 there (the key is too long).
        if (!id.matches(InvocationRequest.ID_PATTERN)) {
            throw RequestProblem.notFound("no replay " + id);
        }
        return replays.progress(id, caller.get().tenant())
                .thenApply(progress -> progress.orElseThrow(() -> RequestProblem.notFound("no replay " + id)));
    }
}
