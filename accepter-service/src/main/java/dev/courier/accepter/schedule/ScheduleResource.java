package dev.courier.accepter.schedule;

import java.time.Instant;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.tenancy.TenantPolicies;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.id.Ulid;
import dev.courier.security.CurrentCaller;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code /v1/schedules}: cron schedules that enqueue an invocation request at every fire time (SPEC section 3). The
 * schedules live in cache-service ({@link ScheduleStore}); every instance fires them ({@link ScheduleClock}), one
 * invocation per fire time ({@link ScheduleFirer}).
 *
 * <p>A schedule belongs to the tenant of the caller that created it: a caller lists, reads, updates and deletes only its own
 * tenant's, and another tenant's schedule id is a 404 exactly as an unknown one. Courier's service identity is no
 * exception: it is a caller of its tenant (the default tenant, for the service key).
 */
@Path("/v1/schedules")
public class ScheduleResource {
    private final ScheduleReader reader;
    private final ScheduleStore store;
    private final ScheduleClock clock;
    private final int max;
    private final CurrentCaller caller;
    private final TenantPolicies policies;

    public ScheduleResource(
            ScheduleReader reader,
            ScheduleStore store,
            ScheduleClock clock,
            AccepterConfig config,
            CurrentCaller caller,
            TenantPolicies policies) {
        this.caller = caller;
        this.policies = policies;
        this.reader = reader;
        this.store = store;
        this.clock = clock;
        this.max = config.schedules().max();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a cron schedule; answered once cache-service stored it")
    @APIResponse(
            responseCode = "201",
            description = "Created; Location names it. nextFireTime is its first fire time",
            content = @Content(schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(
            responseCode = "409",
            description = "The tenant holds its max-schedules, or this service the most schedules it may")
    @APIResponse(responseCode = "413", description = "The schedule is larger than the configured limit")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(
            responseCode = "422",
            description = "Invalid field(s), each named: cron, timeZone, missedFires, request.<field>",
            content =
                    @Content(mediaType = CourierHeaders.PROBLEM_JSON, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "cache-service unavailable; NOT created")
    public CompletionStage<Response> create(
            @RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = ScheduleDefinition.class)))
                    byte[] body) {
        Instant now = Instant.now();
        Schedule schedule = reader.read(body, Ulid.next(), caller.get().tenant(), now);
        // Counted from what this instance knows: limits on memory and per tenant, not exact quotas across replicas.
        // The tenant's own count and limit come first; the service's answer says nothing of how many others hold.
        policies.checkScheduleCount(schedule.tenant(), clock.size(schedule.tenant()));
        if (clock.size() >= max) {
            throw RequestProblem.conflict(
                    "this service holds the most schedules it may (courier.accepter.schedules.max); try again later");
        }
        return store.create(schedule).thenApply(stored -> {
            clock.track(stored);
            // Relative, as for invocations; and built without the request context, which this thread does not have.
            return Response.status(Response.Status.CREATED)
                    .header(HttpHeaders.LOCATION, "/v1/schedules/" + stored.id())
                    .entity(ScheduleView.of(stored, now))
                    .build();
        });
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every schedule of the caller's tenant, oldest first")
    @APIResponse(
            responseCode = "200",
            description = "The schedules",
            content = @Content(schema = @Schema(implementation = ScheduleList.class)))
    @APIResponse(responseCode = "503", description = "cache-service unavailable")
    public ScheduleList list() {
        String tenant = caller.get().tenant();
        Instant now = Instant.now();
        return new ScheduleList(store.all(tenant).stream()
                .map(schedule -> ScheduleView.of(schedule, now))
                .toList());
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One schedule: its definition, next and last fire time, and fire count")
    @APIResponse(
            responseCode = "200",
            description = "The schedule",
            content = @Content(schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "404", description = "No such schedule of the caller's tenant")
    @APIResponse(responseCode = "503", description = "cache-service unavailable")
    public CompletionStage<ScheduleView> get(@PathParam("id") String id) {
        String tenant = caller.get().tenant();
        requireWellFormed(id);
        return store.find(id, tenant)
                .thenApply(found -> found.map(stored -> ScheduleView.of(stored.schedule(), Instant.now()))
                        .orElseThrow(() -> notFound(id)));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Replace a schedule's definition (cron, timeZone, description, missedFires, request); it applies"
                    + " to the fire times after the update, and the fire history stays")
    @APIResponse(
            responseCode = "200",
            description = "Updated; nextFireTime is the first fire time of the new definition",
            content = @Content(schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "404", description = "No such schedule of the caller's tenant")
    @APIResponse(responseCode = "413", description = "The schedule is larger than the configured limit")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(
            responseCode = "422",
            description = "Invalid field(s), each named, as on create",
            content =
                    @Content(mediaType = CourierHeaders.PROBLEM_JSON, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "cache-service unavailable; NOT updated")
    public CompletionStage<ScheduleView> update(
            @PathParam("id") String id,
            @RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = ScheduleDefinition.class)))
                    byte[] body) {
        String tenant = caller.get().tenant();
        requireWellFormed(id);
        Instant now = Instant.now();
        // Read and checked exactly as a new schedule of this id would be (its template bound to this id).
        Schedule definition = reader.read(body, id, tenant, now);
        return store.update(id, tenant, definition, now).thenApply(updated -> {
            Schedule schedule = updated.orElseThrow(() -> notFound(id));
            clock.revise(schedule);
            return ScheduleView.of(schedule, now);
        });
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a schedule: it fires no more")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such schedule of the caller's tenant")
    @APIResponse(responseCode = "503", description = "cache-service unavailable; NOT deleted")
    public CompletionStage<Response> delete(@PathParam("id") String id) {
        String tenant = caller.get().tenant();
        requireWellFormed(id);
        return store.delete(id, tenant).thenApply(deleted -> {
            if (!deleted) {
                throw notFound(id);
            }
            clock.forget(id);
            return Response.noContent().build();
        });
    }

    /** Schedule ids are ULIDs: anything else names no schedule (and never reaches cache-service as a key). */
    private static void requireWellFormed(String id) {
        if (!Ulid.isValid(id)) {
            throw notFound(id);
        }
    }

    private static RequestProblem notFound(String id) {
        return RequestProblem.notFound("no schedule " + id);
    }
}
