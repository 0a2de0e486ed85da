package dev.courier.accepter.schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * The fire times of one cron expression in one time zone, and which of them are due at a given moment.
 *
 * <p>Decision: fire times come from cron-utils with the Quartz definition, the library and the definition that
 * quarkus-scheduler itself evaluates {@code @Scheduled(cron = ..., timeZone = ...)} with (its default
 * {@code quarkus.scheduler.cron-type=quartz}), so an expression means here exactly what it means to quarkus-scheduler.
 * quarkus-scheduler is not asked to run one job per schedule: its jobs live in one process, know nothing of fire times
 * missed while the process was down, and would make each replica decide alone. Instead its clock ticks
 * ({@link ScheduleClock}) and this class says what is due; the dedupe across replicas is by fire time.
 *
 * <p>Time zones and daylight saving time are cron-utils' (and so quarkus-scheduler's): a wall-clock time that does not
 * exist on the day the clocks go forward does not fire that day; one that occurs twice when they go back fires once.
 */
public final class FireTimes {
    /** Quartz: seconds, minutes, hours, day of month, month, day of week, optional year ({@code *}{@code /2 * * * * ?}). */
    private static final CronParser QUARTZ =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    /**
     * The most fire times one tick hands out; more are due only when a schedule that fires every second was held up
     * for longer than this many seconds, which the misfire threshold turns into missed fires first.
     */
    private static final int MAX_DUE = 3600;

    private final ExecutionTime execution;
    private final ZoneId zone;

    private FireTimes(ExecutionTime execution, ZoneId zone) {
        this.execution = execution;
        this.zone = zone;
    }

    /**
     * The time zone named {@code timeZone}: an IANA name ({@code Europe/Paris}), {@code UTC} or an offset.
     *
     * @throws InvalidSchedule naming {@code timeZone} when there is no such zone
     */
    public static ZoneId zone(String timeZone) {
        try {
            return ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new InvalidSchedule(
                    "timeZone", "is not a known time zone; use an IANA name such as Europe/Paris, or UTC");
        }
    }

    /**
     * The fire times of {@code cron} in {@code zone}.
     *
     * @throws InvalidSchedule naming {@code cron} when it is not a valid Quartz cron expression
     */
    public static FireTimes of(String cron, ZoneId zone) {
        try {
            return new FireTimes(ExecutionTime.forCron(QUARTZ.parse(cron).validate()), zone);
        } catch (IllegalArgumentException e) {
            throw new InvalidSchedule(
                    "cron",
                    "is not a valid Quartz cron expression (seconds minutes hours day-of-month month day-of-week"
                            + " [year], e.g. \"*/2 * * * * ?\"): " + e.getMessage());
        }
    }

    /** The time zone the expression is read in. */
    public ZoneId zone() {
        return zone;
    }

    /** The first fire time strictly after {@code after}; empty when there is none (an expression over past years). */
    public Optional<Instant> nextAfter(Instant after) {
        Optional<Instant> next =
                execution.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
        // Fire times are whole seconds; an instant within a second must never get that second back.
        while (next.isPresent() && !next.get().isAfter(after)) {
            Instant earlier = next.get();
            next = execution
                    .nextExecution(ZonedDateTime.ofInstant(earlier, zone))
                    .map(ZonedDateTime::toInstant);
            if (next.isPresent() && !next.get().isAfter(earlier)) {
                return Optional.empty(); // never moves on: no further fire time
            }
        }
        return next;
    }

    /**
     * What is to be fired at {@code now} by a schedule whose fire times up to {@code settled} (its last fire time, or
     * its creation) are dealt with.
     *
     * <p>The fire times after {@code settled} up to {@code now} are due. When the oldest of them is no more than
     * {@code misfireThreshold} in the past, the schedule is merely late (a tick, a retry): every one is fired, in order.
     * When it is older, the schedule missed them (nothing could fire it for that long): {@link MissedFires#FIRE_ONCE}
     * fires only the latest of them, {@link MissedFires#SKIP} none; either way the schedule goes on after {@code now}.
     */
    public Due due(Instant settled, Instant now, Duration misfireThreshold, MissedFires policy) {
        Optional<Instant> first = nextAfter(settled);
        if (first.isEmpty() || first.get().isAfter(now)) {
            return new Due(List.of(), null);
        }
        if (!first.get().isBefore(now.minus(misfireThreshold))) {
            List<Instant> fires = new ArrayList<>();
            for (Optional<Instant> next = first;
                    next.isPresent() && !next.get().isAfter(now) && fires.size() < MAX_DUE;
                    next = nextAfter(next.get())) {
                fires.add(next.get());
            }
            return new Due(fires, null);
        }
        Instant latest = latestUpTo(now).orElse(first.get());
        return policy == MissedFires.FIRE_ONCE ? new Due(List.of(latest), null) : new Due(List.of(), latest);
    }

    /** The last fire time at or before {@code now}. */
    private Optional<Instant> latestUpTo(Instant now) {
        // lastExecution is strictly before its argument, and fire times are whole seconds: asking from the next whole
        // second counts a fire time of exactly now (or earlier within its second).
        Instant nextSecond = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        return execution
                .lastExecution(ZonedDateTime.ofInstant(nextSecond, zone))
                .map(ZonedDateTime::toInstant)
                .filter(latest -> !latest.isAfter(now));
    }

    /**
     * The outcome of {@link #due}.
     *
     * @param fires the fire times to fire now, oldest first
     * @param skippedTo when the schedule skips missed fire times: the latest of them, up to which it is settled without
     *     firing; otherwise null
     */
    public record Due(List<Instant> fires, Instant skippedTo) {}

    /** A cron expression or time zone that cannot be used; {@code field} names it. */
    public static final class InvalidSchedule extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String field;

        InvalidSchedule(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        /** The field at fault: {@code cron} or {@code timeZone}. */
        public String field() {
            return field;
        }
    }
}
