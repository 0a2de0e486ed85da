package dev.courier.listener.limits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import dev.courier.listener.config.ListenerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TargetGateTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T05:00:00Z"));

    @Test
    void theRateLimitReservesEvenlySpacedSlotsAndHonoursThem() {
        TargetGate gate = new TargetGate(limits(OptionalDouble.of(20), OptionalInt.empty()), clock);

        assertThat(gate.admit("t", null)).isInstanceOf(TargetGate.Permit.class);
        TargetGate.Wait second = (TargetGate.Wait) gate.admit("t", null);
        TargetGate.Wait third = (TargetGate.Wait) gate.admit("t", null);
        assertThat(second.at()).isEqualTo(clock.instant().plusMillis(50));
        assertThat(third.at()).isEqualTo(clock.instant().plusMillis(100));
        assertThat(second.reserved()).isTrue();

        clock.set(second.at());
        assertThat(gate.admit("t", second.at()))
                .as("a reserved slot is honoured")
                .isInstanceOf(TargetGate.Permit.class);
        assertThat(gate.admit("other", null))
                .as("targets are limited separately")
                .isInstanceOf(TargetGate.Permit.class);
    }

    @Test
    void theConcurrencyLimitTurnsAwayCallsUntilOneEnds() {
        TargetGate gate = new TargetGate(limits(OptionalDouble.empty(), OptionalInt.of(2)), clock);
        TargetGate.Permit first = (TargetGate.Permit) gate.admit("t", null);
        gate.admit("t", null);

        TargetGate.Wait third = (TargetGate.Wait) gate.admit("t", null);
        assertThat(third.reason()).isEqualTo("concurrency");

        first.release(false);
        assertThat(gate.admit("t", null)).isInstanceOf(TargetGate.Permit.class);
    }

    @Test
    void theCircuitOpensAfterConsecutiveFailuresAndAProbeClosesIt() {
        TargetGate gate = new TargetGate(limits(OptionalDouble.empty(), OptionalInt.empty()), clock);
        for (int i = 0; i < 3; i++) {
            ((TargetGate.Permit) gate.admit("t", null)).release(true);
        }
        TargetGate.Wait open = (TargetGate.Wait) gate.admit("t", null);
        assertThat(open.reason()).isEqualTo("circuit");
        assertThat(open.at()).isEqualTo(clock.instant().plusSeconds(2));

        clock.set(open.at());
        TargetGate.Permit probe = (TargetGate.Permit) gate.admit("t", null);
        assertThat(gate.admit("t", null)).as("one probe at a time").isInstanceOf(TargetGate.Wait.class);
        probe.release(true);
        assertThat(gate.admit("t", null)).as("a failed probe opens it again").isInstanceOf(TargetGate.Wait.class);

        clock.set(clock.instant().plusSeconds(2));
        ((TargetGate.Permit) gate.admit("t", null)).release(false);
        assertThat(gate.admit("t", null)).as("a successful probe closes it").isInstanceOf(TargetGate.Permit.class);
    }

    private static ListenerConfig.Limits limits(OptionalDouble perSecond, OptionalInt concurrent) {
        ListenerConfig.TargetLimits target = new ListenerConfig.TargetLimits() {
            @Override
            public OptionalDouble maxPerSecond() {
                return perSecond;
            }

            @Override
            public OptionalInt maxConcurrent() {
                return concurrent;
            }
        };
        return new ListenerConfig.Limits() {
            @Override
            public ListenerConfig.TargetLimits defaults() {
                return target;
            }

            @Override
            public Map<String, ListenerConfig.TargetLimits> targets() {
                return Map.of();
            }

            @Override
            public int failureThreshold() {
                return 3;
            }

            @Override
            public Duration openDuration() {
                return Duration.ofSeconds(2);
            }
        };
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
