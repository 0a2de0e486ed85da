package dev.courier.accepter.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * The clock of the cron schedules: every second (quarkus-scheduler), each schedule whose fire times have come is fired
 * by {@link ScheduleFirer}, oldest fire time first; what is due, late or missed is {@link FireTimes#due}'s decision.
 *
 * <p>Every replica runs this clock over every schedule: which replica enqueues a fire time is decided per fire time by
 * its idempotency key, not by a leader. The schedules are kept in memory, learnt from cache-service at start-up and then
 * every {@code courier.accepter.schedules.refresh}, and at once for those created or deleted here. Each schedule is
 * fired by one task at a time; it remembers up to which fire time it is settled, and starts from the schedule's last
 * recorded fire time when learnt, so a restarted replica knows what was fired while it was away.
 */
@ApplicationScoped
public class ScheduleClock {
    private static final Logger LOG = Logger.getLogger(ScheduleClock.class);

    private final ScheduleStore store;
    private final ScheduleFirer firer;
    private final Duration refresh;
    private final Duration misfireThreshold;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Map<ScheduleFirer.FireOutcome, Counter> fires = new ConcurrentHashMap<>();
    private final Counter missed;
    /** Fires begun and not yet counted under their outcome. */
    private final AtomicInteger firing = new AtomicInteger();

    private volatile Instant lastRefresh = Instant.MIN;
    private volatile boolean storeReachable = true;

    public ScheduleClock(ScheduleStore store, ScheduleFirer firer, AccepterConfig config, MeterRegistry registry) {
        this.store = store;
        this.firer = firer;
        this.refresh = config.schedules().refresh();
        this.misfireThreshold = config.schedules().misfireThreshold();
        for (ScheduleFirer.FireOutcome outcome : ScheduleFirer.FireOutcome.values()) {
            fires.put(
                    outcome,
                    Counter.builder("courier.schedule.fires")
                            .description("Fire times of cron schedules this instance fired, by outcome (fired: it"
                                    + " enqueued the invocation; duplicate: another instance had)")
                            .tag("outcome", outcome.name().toLowerCase())
                            .register(registry));
        }
        this.missed = Counter.builder("courier.schedule.missed.fires")
                .description("Fire times of cron schedules missed during downtime and not fired (missedFires)")
                .register(registry);
        Gauge.builder("courier.schedules", tracked, Map::size)
                .description("Cron schedules this instance knows of")
                .register(registry);
        Gauge.builder("courier.schedule.fires.in.flight", firing, AtomicInteger::get)
                .description("Fire times this instance is firing now (begun, not yet counted in"
                        + " courier.schedule.fires)")
                .register(registry);
    }

    /** How many schedules this instance knows of. */
    public int size() {
        return tracked.size();
    }

    /** How many schedules of {@code owner} this instance knows of ({@link ScheduleStore#owner}). */
    public long size(String owner) {
        return tracked.values().stream()
                .filter(known -> store.owner(known.schedule).equals(owner))
                .count();
    }

    /** A schedule created here: fired from now on, without waiting for the next refresh. */
    public void track(Schedule schedule) {
        tracked.putIfAbsent(schedule.id(), new Tracked(schedule, Instant.now()));
    }

    /**
     * A schedule updated here: fired by its new definition from now on, without waiting for the next refresh. Fire
     * times already dealt with stay so.
     */
    public void revise(Schedule schedule) {
        tracked.compute(schedule.id(), (id, known) -> revision(known, schedule, Instant.now()));
    }

    /** What to track for {@code schedule} as listed or updated, when {@code known} is what was tracked (or null). */
    private static Tracked revision(Tracked known, Schedule schedule, Instant now) {
        if (known == null) {
            return new Tracked(schedule, now);
        }
        if (Objects.equals(known.schedule.updatedAt(), schedule.updatedAt())) {
            return known;
        }
        Tracked revised = new Tracked(schedule, known.learnt);
        if (known.settled.isAfter(revised.settled)) {
            revised.settled = known.settled;
        }
        return revised;
    }

    /** A schedule deleted here: fired no more. */
    public void forget(String id) {
        tracked.remove(id);
    }

    // Skip, never queue: a tick that finds the previous one still refreshing has nothing to add.
    @Scheduled(every = "1s", identity = "courier-schedules", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        Instant now = Instant.now();
        if (!lastRefresh.plus(refresh).isAfter(now)) {
            refresh(now);
        }
        for (Tracked schedule : tracked.values()) {
            fireDue(schedule, Instant.now());
        }
    }

    /**
     * Learns the schedules cache-service holds: new ones are tracked from their last fire time, those gone are
     * dropped (unless learnt after the listing began: created here meanwhile).
     */
    private void refresh(Instant now) {
        List<Schedule> schedules;
        try {
            schedules = store.all();
        } catch (RequestProblem e) {
            if (storeReachable) {
                LOG.warnf(
                        "the schedules could not be listed from cache-service; the %d known go on firing, and the list"
                                + " is asked for again every %s",
                        tracked.size(), refresh);
                storeReachable = false;
            }
            lastRefresh = now;
            return;
        }
        if (!storeReachable) {
            LOG.info("the schedules are listed from cache-service again");
            storeReachable = true;
        }
        Set<String> listed = new HashSet<>();
        for (Schedule schedule : schedules) {
            listed.add(schedule.id());
            // An updated one replaces what was tracked (compared by its update time, which only an update moves).
            tracked.compute(schedule.id(), (id, known) -> revision(known, schedule, now));
        }
        tracked.values().removeIf(known -> !listed.contains(known.schedule.id()) && known.learnt.isBefore(now));
        lastRefresh = now;
    }

    /** Starts firing what is due for {@code schedule}, unless a task is firing it already. */
    private void fireDue(Tracked schedule, Instant now) {
        if (!schedule.busy.compareAndSet(false, true)) {
            return;
        }
        try {
            FireTimes.Due due =
                    schedule.fireTimes.due(schedule.settled, now, misfireThreshold, schedule.schedule.missedFires());
            if (due.skippedTo() != null) {
                LOG.infof(
                        "schedule %s missed its fire times from after %s up to %s (missedFires: skip): none fired",
                        schedule.schedule.id(), schedule.settled, due.skippedTo());
                missed.increment();
                schedule.settled = due.skippedTo();
            } else if (!due.fires().isEmpty()
                    && schedule.fireTimes
                            .nextAfter(schedule.settled)
                            .orElseThrow()
                            .isBefore(due.fires().get(0))) {
                LOG.infof(
                        "schedule %s missed its fire times from after %s (missedFires: fire-once): firing %s once",
                        schedule.schedule.id(), schedule.settled, due.fires().get(0));
                missed.increment();
            }
            fireInOrder(schedule, due.fires(), 0).whenComplete((done, error) -> schedule.busy.set(false));
        } catch (RuntimeException e) {
            schedule.busy.set(false);
            throw e;
        }
    }

    /** Fires {@code fireTimes} from {@code index} on, one after the other, until one is not settled. */
    private CompletionStage<Void> fireInOrder(Tracked schedule, List<Instant> fireTimes, int index) {
        if (index == fireTimes.size()) {
            return CompletableFuture.completedFuture(null);
        }
        Instant fireTime = fireTimes.get(index);
        firing.incrementAndGet();
        // Counted under its outcome before it stops being in flight: a reader that sees none in flight sees every
        // fire begun so far in courier.schedule.fires.
        CompletionStage<ScheduleFirer.FireOutcome> attempt;
        try {
            attempt = firer.fire(schedule.schedule.id(), fireTime);
        } catch (RuntimeException e) {
            firing.decrementAndGet();
            throw e;
        }
        CompletionStage<ScheduleFirer.FireOutcome> fired = attempt.whenComplete((outcome, error) -> {
            if (outcome != null) {
                fires.get(outcome).increment();
            }
            firing.decrementAndGet();
        });
        return fired.thenCompose(outcome -> {
            switch (outcome) {
                case FIRED, DUPLICATE, FAILED, SUPERSEDED -> {
                    schedule.settled = fireTime;
                    return fireInOrder(schedule, fireTimes, index + 1);
                }
                case GONE -> {
                    tracked.remove(schedule.schedule.id(), schedule);
                    return CompletableFuture.completedFuture(null);
                }
                default -> {
                    return CompletableFuture.completedFuture(null); // RETRY: this fire time again at the next tick
                }
            }
        });
    }

    /** A schedule this instance fires. */
    private static final class Tracked {
        final Schedule schedule;
        final FireTimes fireTimes;
        /** When this instance learnt of it. */
        final Instant learnt;
        /** Fire times up to this one are dealt with. Written by the one task firing the schedule ({@link #busy}). */
        volatile Instant settled;

        final AtomicBoolean busy = new AtomicBoolean();

        Tracked(Schedule schedule, Instant learnt) {
            this.schedule = schedule;
            this.fireTimes = schedule.fireTimes();
            this.learnt = learnt;
            this.settled = schedule.settled();
        }
    }
}
