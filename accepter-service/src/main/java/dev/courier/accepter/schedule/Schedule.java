package dev.courier.accepter.schedule;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.request.InvocationRequest;

/**
 * A cron schedule as cache-service keeps it (namespace {@code courier.schedules}, key = id): what it fires and when,
 * and how far it has fired. The definition changes only by an update ({@link #revised}), which applies from its own
 * time on; the fire fields move with each fire. Every write is made with {@code If-Match} on the version it read, so
 * concurrent writers (fires on every replica, an update) never lose a count or an update.
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
 * @param updatedAt when its definition was last updated, or null; fire times start after it too
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
        Instant updatedAt,
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
                updatedAt,
                fireTime,
                invocationId,
                fireCount + 1);
    }

    /**
     * This schedule with the definition of {@code definition} (cron, zone, description, missed fires) and
     * {@code template} (its request as stored, sealed) from {@code at} on: its id, owner, creation and fire history
     * stay.
     */
    public Schedule revised(Schedule definition, InvocationRequest template, Instant at) {
        return new Schedule(
                id,
                tenant,
                definition.cron(),
                definition.timeZone(),
                definition.description(),
                definition.missedFires(),
                template,
                createdAt,
                at,
                lastFireTime,
                lastInvocationId,
                fireCount);
    }

    /**
     * Up to where this schedule's fire times are dealt with: the latest of its creation, its last update and its last
     * fire time. An update never brings back a fire time before it, missed or not.
     */
    public Instant settled() {
        Instant settled = createdAt;
        if (updatedAt != null && updatedAt.isAfter(settled)) {
            settled = updatedAt;
        }
        return lastFireTime != null && lastFireTime.isAfter(settled) ? lastFireTime : settled;
    }

    /**
     * Whether {@code fireTime} is a fire time of this definition: one of its cron's, after its creation and its last
     * update. A replica that has not yet learnt of an update may come with a fire time of the definition before it.
     */
    public boolean firesAt(Instant fireTime) {
        if (!fireTime.isAfter(createdAt) || (updatedAt != null && !fireTime.isAfter(updatedAt))) {
            return false;
        }
        // Its second decides: cron fields are whole seconds, but an every-second cron's fire times keep the fraction of
        // the instant they were counted from (cron-utils), so the fraction is no part of the question.
        Instant second = fireTime.truncatedTo(ChronoUnit.SECONDS);
        return fireTimes()
                .nextAfter(second.minusSeconds(1))
                .filter(second::equals)
                .isPresent();
    }

    /** Its fire times. */
    public FireTimes fireTimes() {
        return FireTimes.of(cron, FireTimes.zone(timeZone));
    }
}
