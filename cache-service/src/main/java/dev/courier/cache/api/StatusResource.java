package dev.courier.cache.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.log.ChangeLog;
import dev.courier.cache.log.LogFollower;
import dev.courier.cache.problem.CacheProblem;
import dev.courier.cache.status.StatusDocument;
import dev.courier.cache.status.StatusStore;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.status.StatusEvent;
import dev.courier.security.AccessDenied;
import dev.courier.security.AccessGate;
import dev.courier.security.CurrentCaller;

/**
 * The invocation status read model's API, for the accepter: {@code GET /v1/status/{id}} reads a status (waiting, when
 * asked to, for an id issued moments ago to be projected), {@code POST /v1/status/{id}/cancel} records a caller's
 * cancellation, so that the status reads {@code CANCELLED} at once rather than when the invocation comes due.
 *
 * <p>For Courier's service identity only (the accepter reads on behalf of its callers). With {@code ?tenant=}, an
 * invocation of another tenant is answered exactly as an unknown id is: 404, after the same wait, so that a caller
 * learns nothing of another tenant's ids.
 */
@Path("/v1/status/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    /** On a read: wait up to this many milliseconds for the status to appear. */
    public static final String WAIT = "Courier-Status-Wait";

    private static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final StatusStore statuses;
    private final ChangeLog log;
    private final LogFollower follower;
    private final CacheConfig config;
    private final CurrentCaller caller;
    private final String defaultTenant;

    public StatusResource(
            StatusStore statuses,
            ChangeLog log,
            LogFollower follower,
            CacheConfig config,
            CurrentCaller caller,
            AccessGate gate) {
        this.caller = caller;
        this.defaultTenant = gate.defaultTenant();
        this.statuses = statuses;
        this.log = log;
        this.follower = follower;
        this.config = config;
    }

    @GET
    public CompletionStage<Response> status(
            @PathParam("id") String id, @HeaderParam(WAIT) String waitMillis, @QueryParam("tenant") String tenant) {
        serviceOnly();
        Duration wait = wait(waitMillis);
        long deadline = System.nanoTime() + wait.toNanos();
        return statuses.await(id, wait).thenCompose(status -> {
            if (status.isPresent() && tenant != null && !status.get().belongsTo(tenant, defaultTenant)) {
                // Another tenant's: answered as an unknown id is, which waited the whole time for it to appear.
                long left = Math.max(0, deadline - System.nanoTime());
                return CompletableFuture.supplyAsync(
                        () -> ok(id, Optional.empty()), CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS));
            }
            return CompletableFuture.completedFuture(ok(id, status));
        });
    }

    @POST
    @Path("/cancel")
    public CompletionStage<Response> cancel(@PathParam("id") String id, @QueryParam("tenant") String tenant) {
        serviceOnly();
        if (!config.role().writes()) {
            throw new CacheProblem(405, "read-replica", null, "this instance is a read replica; write to a writer");
        }
        StatusDocument current = statuses.get(id)
                .filter(status -> tenant == null || status.belongsTo(tenant, defaultTenant))
                .orElseThrow(() -> new CacheProblem(404, "not-found", null, "no status for invocation " + id));
        if (current.isFinal()) {
            return CompletableFuture.completedFuture(
                    Response.status(409).entity(current.toJson()).build());
        }
        byte[] change =
                StatusStore.encodeChange(List.of(StatusDocument.of(StatusEvent.cancelRequested(id, Instant.now()))));
        return log.append(
                        new CacheChange(
                                CacheChange.Op.STATUS,
                                CacheNamespaces.STATUS,
                                "cancel",
                                change,
                                null,
                                null,
                                null,
                                false,
                                null),
                        StatusStore.partitionOf(id, log.partitions()))
                .thenCompose(position -> follower.awaitApplied(position.partition(), position.offset()))
                .toCompletableFuture()
                .orTimeout(config.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((applied, error) -> {
                    if (error != null) {
                        throw new CacheProblem(
                                503, "unavailable", null, "the cancellation was not recorded; try again");
                    }
                    StatusDocument now = statuses.get(id).orElse(current);
                    return Response.status(now.isFinal() ? 409 : 200)
                            .entity(now.toJson())
                            .build();
                });
    }

    private void serviceOnly() {
        if (!caller.get().isService()) {
            throw AccessDenied.forbidden("the status read model is for Courier's services; a caller reads the status of"
                    + " its invocations from the accepter, GET /v1/invocations/{id}");
        }
    }

    private static Response ok(String id, Optional<StatusDocument> status) {
        return Response.ok(status.orElseThrow(
                                () -> new CacheProblem(404, "not-found", null, "no status for invocation " + id))
                        .toJson())
                .build();
    }

    private static Duration wait(String millis) {
        if (millis == null) {
            return Duration.ZERO;
        }
        try {
            long value = Long.parseLong(millis.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            Duration wait = Duration.ofMillis(value);
            return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
        } catch (NumberFormatException e) {
            throw new CacheProblem(400, "invalid-field", WAIT, WAIT + " is a number of milliseconds");
        }
    }
}
