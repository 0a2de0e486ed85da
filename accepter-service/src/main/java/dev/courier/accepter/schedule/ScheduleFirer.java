package dev.courier.accepter.schedule;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import org.jboss.logging.Logger;

/**
 * Fires one fire time of one schedule: enqueues its request template as an invocation, through the intake's own
 * {@link RequestAcceptor} (id, correlation id, claim check, sealing, publishing with {@code acks=all}, the accepted
 * count), exactly as {@code POST /v1/invocations} would.
 *
 * <p>Invariant: one invocation per {@code (schedule, fire time)}, however many replicas fire it. Every replica fires
 * every fire time; each submission carries the idempotency key {@code schedule:<id>:<fire time in epoch ms>}, claimed in
 * cache-service before anything is published ({@code intake.IdempotencyKeys}), so the first replica's claim wins and
 * the others get its invocation id back as a duplicate. No leader, no lock: a replica that dies mid-fire leaves a
 * pending claim that the others take over once it is older than {@code idempotency-pending-timeout}.
 *
 * <p>Each fire is admitted for the schedule's owner ({@link ScheduleStore#owner}): its invocation is the owner's (its
 * status readable by the owner's callers only), its idempotency key is claimed among the owner's, and it is held to the
 * owner's policy at every fire, so a policy tightened after the schedule was created applies to its next fire.
 */
@ApplicationScoped
public class ScheduleFirer {
    private static final Logger LOG = Logger.getLogger(ScheduleFirer.class);

    private final ScheduleStore store;
    private final RequestAcceptor acceptor;
    private final ObjectMapper mapper;

    public ScheduleFirer(ScheduleStore store, RequestAcceptor acceptor, ObjectMapper mapper) {
        this.store = store;
        this.acceptor = acceptor;
        this.mapper = mapper;
    }

    /** The idempotency key of fire time {@code fireTime} of schedule {@code scheduleId}. */
    public static String fireKey(String scheduleId, Instant fireTime) {
        return "schedule:" + scheduleId + ":" + fireTime.toEpochMilli();
    }

    /**
     * Fires {@code fireTime} of schedule {@code scheduleId}: reads the schedule first (a deleted one fires no more, on
     * any replica), then submits its template. Never fails: the outcome says what happened.
     */
    public CompletionStage<FireOutcome> fire(String scheduleId, Instant fireTime) {
        return store.find(scheduleId)
                .thenCompose(found -> {
                    if (found.isEmpty()) {
                        return CompletableFuture.completedFuture(FireOutcome.GONE);
                    }
                    if (!found.get().schedule().firesAt(fireTime)) {
                        LOG.debugf(
                                "schedule %s: %s is no fire time of it since it was updated; not fired",
                                scheduleId, fireTime);
                        return CompletableFuture.completedFuture(FireOutcome.SUPERSEDED);
                    }
                    return submit(found.get(), fireTime);
                })
                .exceptionally(error -> outcomeOf(scheduleId, fireTime, error));
    }

    private CompletionStage<FireOutcome> submit(ScheduleStore.Stored stored, Instant fireTime) {
        Schedule schedule = stored.schedule();
        String key = fireKey(schedule.id(), fireTime);
        InvocationRequest invocation;
        byte[] document;
        try {
            // A fire has no caller: its correlation id is the template's, else the fire key, which names the schedule
            // and the fire time and so links the invocation's status, calls and records back to both.
            // A fire is its schedule's owner's invocation, held to the owner's policy (targets, rate, size) as the
            // owner's own request would be; it runs outside any request, so it names that tenant itself.
            invocation = acceptor.admit(store.openTemplate(schedule), key, store.owner(schedule));
            document = mapper.writeValueAsBytes(invocation);
        } catch (SealedHeaders.UnreadableHeaderException e) {
            LOG.errorf(
                    "schedule %s cannot fire %s: a sealed header of its template does not open (%s); is its key still"
                            + " configured?",
                    schedule.id(), fireTime, e.getMessage());
            return CompletableFuture.completedFuture(FireOutcome.FAILED);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a request is always writable as JSON", e);
        }
        String ours = invocation.id();
        return acceptor.accept(new RequestAcceptor.Submission(invocation, key, document.length))
                .thenCompose(acceptance -> {
                    if (!acceptance.id().equals(ours)) {
                        return CompletableFuture.completedFuture(FireOutcome.DUPLICATE);
                    }
                    LOG.debugf("schedule %s fired %s: invocation %s", schedule.id(), fireTime, ours);
                    return store.recordFire(stored, fireTime, ours).thenApply(done -> FireOutcome.FIRED);
                });
    }

    private static FireOutcome outcomeOf(String scheduleId, Instant fireTime, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RequestProblem problem) {
            // 409: another replica's claim of this fire time is still pending; 429: the owner is over its rate (nothing
            // was claimed or taken); 503: Kafka or cache-service did not answer. Each passes: the fire time is tried
            // again at the next tick, and once it is later than the misfire threshold, missedFires decides.
            // Anything else (403: a target outside the owner's policy, 413, 422) would be refused every time.
            if (problem.status() == 409 || problem.status() == 429 || problem.status() == 503) {
                LOG.debugf("schedule %s fire %s to be tried again: %s", scheduleId, fireTime, problem.getMessage());
                return FireOutcome.RETRY;
            }
            LOG.errorf("schedule %s cannot fire %s: %s", scheduleId, fireTime, problem.getMessage());
            return FireOutcome.FAILED;
        }
        LOG.errorf(cause, "schedule %s fire %s failed; it is tried again", scheduleId, fireTime);
        return FireOutcome.RETRY;
    }

    /** What firing one fire time came to. */
    public enum FireOutcome {
        /** This replica enqueued the invocation. */
        FIRED,
        /** Another replica had enqueued it already. */
        DUPLICATE,
        /** Not settled (another replica's claim pending, or Kafka or cache-service unavailable): try again later. */
        RETRY,
        /** It can never fire (its template no longer admissible): given up for this fire time. */
        FAILED,
        /** The schedule is deleted. */
        GONE,
        /**
         * Not a fire time of the schedule as it is now: it was updated after this replica learnt of it (another cron,
         * or a fire time before the update). Nothing is enqueued; the replica learns of the update at its next refresh.
         */
        SUPERSEDED
    }
}
