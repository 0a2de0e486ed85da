package dev.courier.listener.limits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.listener.config.ListenerConfig;

/**
 * Admits calls to targets within their limits: a dispatch rate, a number of calls in flight, and a circuit breaker
 * that opens after consecutive retryable failures and lets one probe through after its open time.
 *
 * <p>It never makes a caller wait: {@link #admit} either grants a {@link Permit} or says when to come back, and the
 * dispatcher parks the call in a delay tier until then. The rate limit hands out reservations: a call told to come
 * back at T holds the slot at T ({@link #admit} with that reservation), so rates stay exact however long the parked
 * calls take to return.
 */
@ApplicationScoped
public class TargetGate {
    /** How soon a call turned away by the concurrency limit or a half-open probe tries again. */
    static final Duration BUSY_RETRY = Duration.ofMillis(250);

    private final ListenerConfig.Limits config;
    private final Clock clock;
    private final Map<String, TargetState> targets = new ConcurrentHashMap<>();

    @Inject
    public TargetGate(ListenerConfig config) {
        this(config.limits(), Clock.systemUTC());
    }

    TargetGate(ListenerConfig.Limits config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * Asks to call {@code target} now. {@code reservedAt} is the slot a previous answer reserved for this call, or
     * null on its first ask.
     */
    public Admission admit(String target, Instant reservedAt) {
        return state(target).admit(clock.instant(), reservedAt);
    }

    private TargetState state(String target) {
        return targets.computeIfAbsent(target, name -> {
            ListenerConfig.TargetLimits limits = config.targets().getOrDefault(name, config.defaults());
            return new TargetState(limits.maxPerSecond(), limits.maxConcurrent());
        });
    }

    /** Go ahead; {@link #release} exactly once when the call has ended. */
    public static final class Permit implements Admission {
        private final TargetState state;
        private final boolean probe;

        private Permit(TargetState state, boolean probe) {
            this.state = state;
            this.probe = probe;
        }

        /** Ends the call; a retryable failure counts towards opening the circuit, anything else closes it. */
        public void release(boolean retryableFailure) {
            state.release(probe, retryableFailure);
        }
    }

    /** What {@link #admit} answered. */
    public sealed interface Admission permits Permit, Wait {}

    /**
     * Not now: come back at {@code at}.
     *
     * @param at when to ask again
     * @param reserved whether a rate slot at {@code at} is held for this call (pass it back to {@link #admit})
     * @param reason {@code rate}, {@code concurrency} or {@code circuit}, for metrics
     */
    public record Wait(Instant at, boolean reserved, String reason) implements Admission {}

    /** One target's limiter and breaker; synchronized because calls end on many threads. */
    private final class TargetState {
        private final double perSecond;
        private final int maxConcurrent;
        /** The earliest instant the next unreserved call may start (rate limit timeline). */
        private Instant nextFree = Instant.EPOCH;

        private int inFlight;
        private int consecutiveFailures;
        private Instant openUntil;
        private boolean probing;

        TargetState(OptionalDouble perSecond, OptionalInt maxConcurrent) {
            this.perSecond = perSecond.orElse(0);
            this.maxConcurrent = maxConcurrent.orElse(Integer.MAX_VALUE);
        }

        synchronized Admission admit(Instant now, Instant reservedAt) {
            boolean probe = false;
            if (openUntil != null) {
                if (now.isBefore(openUntil)) {
                    return new Wait(openUntil, false, "circuit");
                }
                if (probing) {
                    return new Wait(now.plus(BUSY_RETRY), false, "circuit");
                }
                probe = true; // half-open: this call is the probe
            }
            if (inFlight >= maxConcurrent) {
                return new Wait(now.plus(BUSY_RETRY), false, "concurrency");
            }
            if (perSecond > 0 && reservedAt == null) {
                Instant slot = nextFree.isAfter(now) ? nextFree : now;
                nextFree = slot.plusNanos((long) (1_000_000_000L / perSecond));
                if (slot.isAfter(now)) {
                    return new Wait(slot, true, "rate");
                }
            }
            if (probe) {
                probing = true;
            }
            inFlight++;
            return new Permit(this, probe);
        }

        synchronized void release(boolean probe, boolean retryableFailure) {
            Instant now = clock.instant();
            inFlight--;
            if (probe) {
                probing = false;
            }
            if (retryableFailure) {
                consecutiveFailures++;
                if (probe || consecutiveFailures >= config.failureThreshold()) {
                    openUntil = now.plus(config.openDuration());
                }
            } else {
                consecutiveFailures = 0;
                openUntil = null;
            }
        }
    }
}
