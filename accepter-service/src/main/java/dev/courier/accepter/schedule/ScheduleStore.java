package dev.courier.accepter.schedule;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.cacheclient.CacheServiceClient.Reply;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.request.Callback;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.security.AccessGate;
import org.jboss.logging.Logger;

/**
 * The schedules in cache-service, namespace {@code courier.schedules}: durable (cache-service's change log and
 * snapshots), the same on every replica, and no compaction needed (OCI Streaming has none). Sensitive header values of
 * a template are sealed here, before the schedule is stored, bound to the schedule id; {@link ScheduleFirer} opens
 * them again for each fire, whose record the publisher seals anew for its invocation.
 *
 * <p>Every schedule is owned by a tenant, stored with it ({@link Schedule#tenant()}; none stored means the default
 * tenant). The reads and the delete that a caller makes name the caller's tenant, and another tenant's schedule is
 * answered exactly as one that does not exist: nothing tells a caller that another tenant's schedule id is real. Only
 * the clock and the firer, which act for every tenant, read schedules without naming one.
 */
@ApplicationScoped
public class ScheduleStore {
    private static final Logger LOG = Logger.getLogger(ScheduleStore.class);
    private static final int FIRE_WRITE_TRIES = 5;

    private final CacheServiceClient cache;
    private final ObjectMapper mapper;
    private final SealedHeaders sealing;
    private final int maxDefinitionBytes;
    private final String defaultTenant;

    public ScheduleStore(
            CacheServiceClient cache,
            ObjectMapper mapper,
            SealedHeaders sealing,
            AccepterConfig config,
            AccessGate gate) {
        this.defaultTenant = gate.defaultTenant();
        this.cache = cache;
        this.mapper = mapper;
        this.sealing = sealing;
        this.maxDefinitionBytes = config.schedules().maxDefinitionBytes();
    }

    /**
     * Stores the new {@code schedule}, owned by its {@link Schedule#tenant()}, its template sealed; fails with a
     * {@link RequestProblem} (413, 503).
     */
    public CompletionStage<Schedule> create(Schedule schedule) {
        Schedule sealed = new Schedule(
                schedule.id(),
                // The default tenant's schedules name none: stored exactly as schedules were before they had owners.
                owner(schedule).equals(defaultTenant) ? null : schedule.tenant(),
                schedule.cron(),
                schedule.timeZone(),
                schedule.description(),
                schedule.missedFires(),
                sealing.seal(schedule.request()),
                schedule.createdAt(),
                null,
                null,
                null,
                0);
        byte[] value = write(sealed);
        if (value.length > maxDefinitionBytes) {
            throw RequestProblem.bodyTooLarge("request", maxDefinitionBytes);
        }
        return reachable(cache.put(CacheNamespaces.SCHEDULES, sealed.id(), value, null, Precondition.ABSENT))
                .thenApply(reply -> {
                    if (reply.status() != 201) {
                        throw unavailable("cache-service answered " + reply.status());
                    }
                    return sealed;
                });
    }

    /**
     * Replaces the definition of schedule {@code id} if {@code tenant} owns it with that of {@code definition} (read
     * for this id), from {@code at} on; its fire history stays. Empty for another tenant's schedule, as for none. Written
     * over the version read ({@code If-Match}): a fire that wrote its count first is read again and kept. Fails with a
     * {@link RequestProblem} (413, 503).
     */
    public CompletionStage<Optional<Schedule>> update(String id, String tenant, Schedule definition, Instant at) {
        return update(id, tenant, definition, at, 1);
    }

    private CompletionStage<Optional<Schedule>> update(
            String id, String tenant, Schedule definition, Instant at, int attempt) {
        return find(id, tenant).thenCompose(found -> {
            if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<Schedule>empty());
            }
            Schedule revised = found.get().schedule().revised(definition, sealing.seal(definition.request()), at);
            byte[] value = write(revised);
            if (value.length > maxDefinitionBytes) {
                throw RequestProblem.bodyTooLarge("request", maxDefinitionBytes);
            }
            return reachable(cache.put(
                            CacheNamespaces.SCHEDULES,
                            id,
                            value,
                            null,
                            Precondition.matching(found.get().etag())))
                    .thenCompose(reply -> {
                        if (reply.status() == 200) {
                            return CompletableFuture.completedFuture(Optional.of(revised));
                        }
                        if (reply.status() == 412 && attempt < FIRE_WRITE_TRIES) {
                            return update(id, tenant, definition, at, attempt + 1);
                        }
                        throw unavailable("cache-service answered " + reply.status());
                    });
        });
    }

    /** The tenant that owns {@code schedule}: the one stored with it, else the default tenant. */
    public String owner(Schedule schedule) {
        return schedule.tenant() != null ? schedule.tenant() : defaultTenant;
    }

    /**
     * Schedule {@code id} if {@code tenant} owns it, and its version; else empty, exactly as for an id that names no
     * schedule. Fails with a 503 {@link RequestProblem}.
     */
    public CompletionStage<Optional<Stored>> find(String id, String tenant) {
        return find(id).thenApply(
                        found -> found.filter(stored -> owner(stored.schedule()).equals(tenant)));
    }

    /**
     * Schedule {@code id} and its version, or empty, whoever owns it: for the clock and the firer only. Fails with a
     * 503 {@link RequestProblem}.
     */
    public CompletionStage<Optional<Stored>> find(String id) {
        return reachable(cache.get(CacheNamespaces.SCHEDULES, id)).thenApply(reply -> {
            if (reply.status() == 404) {
                return Optional.empty();
            }
            if (reply.status() != 200) {
                throw unavailable("cache-service answered " + reply.status());
            }
            return Optional.of(new Stored(read(reply.body()), reply.etag().orElseThrow()));
        });
    }

    /** Every schedule {@code tenant} owns, oldest first; blocks. Fails with a 503 {@link RequestProblem}. */
    public List<Schedule> all(String tenant) {
        return all().stream().filter(schedule -> owner(schedule).equals(tenant)).toList();
    }

    /** Every schedule, whoever owns it, oldest first, for the clock; blocks. Fails with a 503 {@link RequestProblem}. */
    public List<Schedule> all() {
        List<String> ids;
        try {
            ids = cache.keys(CacheNamespaces.SCHEDULES);
        } catch (IOException e) {
            throw unavailable(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
        List<CompletableFuture<Optional<Stored>>> reads = new ArrayList<>();
        for (String id : ids) {
            reads.add(find(id).toCompletableFuture());
        }
        List<Schedule> schedules = new ArrayList<>();
        for (CompletableFuture<Optional<Stored>> read : reads) {
            try {
                read.join().ifPresent(stored -> schedules.add(stored.schedule()));
            } catch (CompletionException e) {
                throw e.getCause() instanceof RequestProblem problem ? problem : unavailable(e.toString());
            }
        }
        schedules.sort(Comparator.comparing(Schedule::createdAt).thenComparing(Schedule::id));
        return schedules;
    }

    /**
     * Deletes schedule {@code id} if {@code tenant} owns it: true if it did (false for another tenant's, as for none);
     * fails with a 503 {@link RequestProblem}. The owner is read first; it never changes, and a schedule id is never
     * used twice, so nothing can come between that read and the delete that would make it wrong.
     */
    public CompletionStage<Boolean> delete(String id, String tenant) {
        return find(id, tenant)
                .thenCompose(owned -> owned.isEmpty()
                        ? CompletableFuture.completedFuture(false)
                        : reachable(cache.delete(CacheNamespaces.SCHEDULES, id, Precondition.NONE))
                                .thenApply(reply -> {
                                    if (reply.status() == 204) {
                                        return true;
                                    }
                                    if (reply.status() == 404) {
                                        return false;
                                    }
                                    throw unavailable("cache-service answered " + reply.status());
                                }));
    }

    /**
     * Records that fire time {@code fireTime} of the schedule read as {@code read} enqueued {@code invocationId}: its
     * last fire time and count move on, written only over the version read ({@code If-Match}), read again and retried
     * when another fire wrote first; never moved back to an earlier fire time, and never written once the schedule is
     * deleted. Best effort: never fails (the invocation is enqueued whatever happens here).
     */
    public CompletionStage<Void> recordFire(Stored read, Instant fireTime, String invocationId) {
        return recordFire(read, fireTime, invocationId, 1);
    }

    private CompletionStage<Void> recordFire(Stored read, Instant fireTime, String invocationId, int attempt) {
        Schedule schedule = read.schedule();
        if (schedule.lastFireTime() != null && !schedule.lastFireTime().isBefore(fireTime)) {
            return CompletableFuture.completedFuture(null);
        }
        return cache.put(
                        CacheNamespaces.SCHEDULES,
                        schedule.id(),
                        write(schedule.fired(fireTime, invocationId)),
                        null,
                        Precondition.matching(read.etag()))
                .thenCompose(reply -> {
                    if (reply.status() == 200 || reply.status() == 201) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (reply.status() == 412 && attempt < FIRE_WRITE_TRIES) {
                        return find(schedule.id())
                                .thenCompose(again -> again.isEmpty()
                                        ? CompletableFuture.<Void>completedFuture(null) // deleted meanwhile
                                        : recordFire(again.get(), fireTime, invocationId, attempt + 1));
                    }
                    throw new IllegalStateException("cache-service answered " + reply.status());
                })
                .exceptionally(error -> {
                    LOG.warnf(
                            "schedule %s fired %s (invocation %s), but its fire count could not be written: %s",
                            schedule.id(), fireTime, invocationId, error.toString());
                    return null;
                });
    }

    /** The template of {@code schedule} with its sealed header values opened, as a request to admit. */
    public InvocationRequest openTemplate(Schedule schedule) throws SealedHeaders.UnreadableHeaderException {
        InvocationRequest template = schedule.request();
        Map<String, String> headers = sealing.open(schedule.id(), SealedHeaders.HEADERS, template.headers());
        Callback callback = template.callback() == null
                ? null
                : new Callback(
                        template.callback().url(),
                        sealing.open(
                                schedule.id(),
                                SealedHeaders.CALLBACK_HEADERS,
                                template.callback().headers()));
        return template.withHeaders(headers, callback).withId(null);
    }

    private byte[] write(Schedule schedule) {
        try {
            return mapper.writeValueAsBytes(schedule);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a schedule is always writable as JSON", e);
        }
    }

    private Schedule read(byte[] body) {
        try {
            return mapper.readValue(body, Schedule.class);
        } catch (IOException e) {
            throw unavailable("unreadable schedule: " + e.getMessage());
        }
    }

    private static RequestProblem unavailable(String why) {
        LOG.debugf("schedules unavailable: %s", why);
        return RequestProblem.unavailable("the schedules in cache-service are unavailable; try again");
    }

    /** A call to cache-service that got no answer (not reachable, timed out) is a 503. */
    private static CompletionStage<Reply> reachable(CompletionStage<Reply> call) {
        return call.exceptionally(error -> {
            throw unavailable(error.toString());
        });
    }

    /**
     * A schedule as read, with its version.
     *
     * @param schedule the schedule
     * @param etag its version in cache-service, for a conditional write
     */
    public record Stored(Schedule schedule, String etag) {}
}
