package dev.courier.accepter.schedule;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.request.InvocationRequest;

/**
 * A cron schedule as cache-service keeps it (namespace {@code courier.schedules}, key = id): what it fires and when,
 * and how far it has fired. The definition never changes after creation; only the fire fields move, each fire written
 * with {@code If-Match} on the version it read, so concurrent writers never lose a count.
 *
 * @param id the schedule id, a ULID
 * @param tenant the tenant that owns it, the one whose caller created it: only that tenant's callers see or delete it,
 *     and every fire is that tenant's invocation, held to its policy. Null for the default tenant, as on invocation
 *     requests, so that a schedule stored before schedules had owners is the default tenant's
 * @param cron Quartz cron expression ({@code *}{@code /2 * * * * ?})
 * @param timeZone the zone {@code cron} is read in
 * @param description free text, or null
 * @param missedFires what to do about fire times missed during downtime
 * @param request the invocation request every fire enqueues; its {@code id} is the schedule id, which its sealed
 *     header values are bound to (each fire gets an invocation id of its own)
 * @param createdAt when the schedule was created; fire times start after it
 * @param lastFireTime the latest fire time that enqueued an invocation, or null
 * @param lastInvocationId the invocation that fire enqueued, or null
 * @param fireCount how many fire times enqueued an invocation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Schedule(
        String id,
        String tenant,
        String cron,
        String timeZone,
        String description,
        MissedFires missedFires,
        InvocationRequest request,
        Instant createdAt,
        Instant lastFireTime,
        String lastInvocationId,
        long fireCount) {

    /** This schedule after fire time {@code fireTime} enqueued invocation {@code invocationId}. */
    public Schedule fired(Instant fireTime, String invocationId) {
        return new Schedule(
                id,
                tenant,
                cron,
                timeZone,
                description,
                missedFires,
                request,
                createdAt,
                fireTime,
                invocationId,
                fireCount + 1);
    }

    /** Up to where this schedule's fire times are dealt with: its last fire time, or its creation. */
    public Instant settled() {
        return lastFireTime != null && lastFireTime.isAfter(createdAt) ? lastFireTime : createdAt;
    }

    /** Its fire times. */
    public FireTimes fireTimes() {
        return FireTimes.of(cron, FireTimes.zone(timeZone));
    }
}
