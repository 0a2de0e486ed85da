package dev.courier.accepter.schedule;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A schedule's update: what it keeps, where its fire times start again, and which fire times are still its own. */
class ScheduleTest {
    private static final Instant CREATED = Instant.parse("2026-11-22T10:00:00.300Z");
    private static final Instant UPDATED = Instant.parse("2026-11-22T10:00:07.500Z");

    private static Schedule schedule(String cron, String description) {
        return new Schedule(
                "01KAB0000000000000000000AA",
                "acme",
                cron,
                "UTC",
                description,
                MissedFires.FIRE_ONCE,
                null, // the template plays no part in any of this
                CREATED,
                null,
                null,
                null,
                0);
    }

    @Test
    void anUpdateTakesTheNewDefinitionAndKeepsIdOwnerCreationAndFireHistory() {
        Schedule fired = schedule("*/2 * * * * ?", "old").fired(Instant.parse("2026-11-22T10:00:06Z"), "01KINV");

        Schedule revised = fired.revised(schedule("*/3 * * * * ?", "new"), null, UPDATED);

        assertThat(revised.cron()).isEqualTo("*/3 * * * * ?");
        assertThat(revised.description()).isEqualTo("new");
        assertThat(revised.id()).isEqualTo(fired.id());
        assertThat(revised.tenant()).isEqualTo("acme");
        assertThat(revised.createdAt()).isEqualTo(CREATED);
        assertThat(revised.updatedAt()).isEqualTo(UPDATED);
        assertThat(revised.fireCount()).isEqualTo(1);
        assertThat(revised.lastInvocationId()).isEqualTo("01KINV");
    }

    @Test
    void fireTimesStartAfterTheUpdateSoThatNoneBeforeItComesBackAsMissed() {
        Schedule revised = schedule("*/2 * * * * ?", "old")
                .fired(Instant.parse("2026-11-22T10:00:02Z"), "01KINV")
                .revised(schedule("*/3 * * * * ?", "new"), null, UPDATED);

        assertThat(revised.settled()).isEqualTo(UPDATED);
        assertThat(revised.fired(Instant.parse("2026-11-22T10:00:09Z"), "01KNEXT")
                        .settled())
                .isEqualTo(Instant.parse("2026-11-22T10:00:09Z"));
    }

    @Test
    void everySecondFiresAtEverySecondAfterCreationWhateverTheFractionItWasCountedWith() {
        Schedule everySecond = schedule("* * * * * ?", "each second");
        assertThat(everySecond.firesAt(Instant.parse("2026-11-22T10:00:01Z"))).isTrue();
        // What FireTimes gives an every-second cron counted from its creation (10:00:00.300).
        Instant counted = everySecond.fireTimes().nextAfter(CREATED).orElseThrow();
        assertThat(everySecond.firesAt(counted)).isTrue();
        assertThat(everySecond.firesAt(
                        everySecond.fireTimes().nextAfter(counted).orElseThrow()))
                .isTrue();
    }

    @Test
    void aFireTimeIsTheSchedulesOnlyWhenItsCronHasItAfterCreationAndUpdate() {
        Schedule original = schedule("*/2 * * * * ?", "old");
        assertThat(original.firesAt(Instant.parse("2026-11-22T10:00:02Z"))).isTrue();
        assertThat(original.firesAt(Instant.parse("2026-11-22T10:00:03Z"))).isFalse();
        assertThat(original.firesAt(Instant.parse("2026-11-22T10:00:00Z")))
                .as("before its creation")
                .isFalse();

        Schedule revised = original.revised(schedule("*/3 * * * * ?", "new"), null, UPDATED);
        assertThat(revised.firesAt(Instant.parse("2026-11-22T10:00:08Z")))
                .as("the old cron's, after the update")
                .isFalse();
        assertThat(revised.firesAt(Instant.parse("2026-11-22T10:00:06Z")))
                .as("the new cron's, but before the update")
                .isFalse();
        assertThat(revised.firesAt(Instant.parse("2026-11-22T10:00:09Z"))).isTrue();
    }
}
