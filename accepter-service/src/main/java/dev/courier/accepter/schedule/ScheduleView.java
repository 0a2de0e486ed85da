package dev.courier.accepter.schedule;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.request.InvocationRequest;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A schedule as the API shows it ({@code 201} of a create, {@code 200} of an update, {@code GET /v1/schedules/{id}}).
 *
 * @param id the schedule id (a ULID)
 * @param cron the Quartz cron expression
 * @param timeZone the zone the expression is read in
 * @param description free text, if any
 * @param missedFires {@code fire-once} or {@code skip}
 * @param request the invocation request each fire enqueues; sensitive header values as stored, sealed
 * @param createdAt when it was created
 * @param updatedAt when its definition was last updated, if ever
 * @param nextFireTime its next fire time from now; absent when it fires no more
 * @param lastFireTime its latest fire time that enqueued an invocation, if any
 * @param lastInvocationId the invocation that fire enqueued, if any
 * @param fireCount how many fire times enqueued an invocation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Schedule", description = "A cron schedule that enqueues an invocation request at every fire time")
public record ScheduleView(
        String id,
        String cron,
        String timeZone,
        String description,
        MissedFires missedFires,
        InvocationRequest request,
        Instant createdAt,
        Instant updatedAt,
        Instant nextFireTime,
        Instant lastFireTime,
        String lastInvocationId,
        long fireCount) {

    /** What the API shows of {@code schedule} at {@code now}. */
    public static ScheduleView of(Schedule schedule, Instant now) {
        Instant next = schedule.fireTimes().nextAfter(now).orElse(null);
        return new ScheduleView(
                schedule.id(),
                schedule.cron(),
                schedule.timeZone(),
                schedule.description(),
                schedule.missedFires(),
                schedule.request().withId(null),
                schedule.createdAt(),
                schedule.updatedAt(),
                next,
                schedule.lastFireTime(),
                schedule.lastInvocationId(),
                schedule.fireCount());
    }
}
