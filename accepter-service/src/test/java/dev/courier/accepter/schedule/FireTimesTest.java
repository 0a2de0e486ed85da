package dev.courier.accepter.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fire times of Quartz cron expressions in time zones, and what is due, late or missed. */
class FireTimesTest {
    private static final Duration THRESHOLD = Duration.ofMinutes(1);
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static FireTimes every2s() {
        return FireTimes.of("*/2 * * * * ?", ZoneOffset.UTC);
    }

    @Test
    void everyTwoSecondsFiresOnEvenSecondsStrictlyAfterTheSettledInstant() {
        FireTimes.Due due = every2s()
                .due(
                        Instant.parse("2026-11-22T10:00:00.500Z"),
                        Instant.parse("2026-11-22T10:00:07.200Z"),
                        THRESHOLD,
                        MissedFires.FIRE_ONCE);

        assertThat(due.fires())
                .containsExactly(
                        Instant.parse("2026-11-22T10:00:02Z"),
                        Instant.parse("2026-11-22T10:00:04Z"),
                        Instant.parse("2026-11-22T10:00:06Z"));
        assertThat(due.skippedTo()).isNull();
    }

    @Test
    void aFireTimeOfExactlyNowIsDueAndTheSettledOneNeverAgain() {
        Instant settled = Instant.parse("2026-11-22T10:00:02Z");

        assertThat(every2s().nextAfter(settled)).contains(Instant.parse("2026-11-22T10:00:04Z"));
        assertThat(every2s()
                        .due(settled, Instant.parse("2026-11-22T10:00:04Z"), THRESHOLD, MissedFires.SKIP)
                        .fires())
                .containsExactly(Instant.parse("2026-11-22T10:00:04Z"));
        assertThat(every2s()
                        .due(settled, Instant.parse("2026-11-22T10:00:03.999Z"), THRESHOLD, MissedFires.SKIP)
                        .fires())
                .isEmpty();
    }

    @Test
    void aLateScheduleWithinTheThresholdFiresEveryDueTimeInOrder() {
        FireTimes.Due due = every2s()
                .due(
                        Instant.parse("2026-11-22T10:00:00Z"),
                        Instant.parse("2026-11-22T10:00:59Z"),
                        THRESHOLD,
                        MissedFires.SKIP);

        assertThat(due.fires()).hasSize(29).isSorted();
        assertThat(due.fires().get(0)).isEqualTo(Instant.parse("2026-11-22T10:00:02Z"));
        assertThat(due.fires().get(28)).isEqualTo(Instant.parse("2026-11-22T10:00:58Z"));
    }

    @Test
    void afterDowntimeFireOnceFiresOnlyTheLatestMissedFireTime() {
        FireTimes.Due due = every2s()
                .due(
                        Instant.parse("2026-11-22T10:00:00Z"),
                        Instant.parse("2026-11-22T10:10:03.300Z"),
                        THRESHOLD,
                        MissedFires.FIRE_ONCE);

        assertThat(due.fires()).containsExactly(Instant.parse("2026-11-22T10:10:02Z"));
        assertThat(due.skippedTo()).isNull();
    }

    @Test
    void afterDowntimeSkipFiresNothingAndSettlesUpToTheLatestMissedFireTime() {
        FireTimes.Due due = every2s()
                .due(
                        Instant.parse("2026-11-22T10:00:00Z"),
                        Instant.parse("2026-11-22T10:10:03.300Z"),
                        THRESHOLD,
                        MissedFires.SKIP);

        assertThat(due.fires()).isEmpty();
        assertThat(due.skippedTo()).isEqualTo(Instant.parse("2026-11-22T10:10:02Z"));
        // Settled there, the schedule goes on normally with the next fire time.
        assertThat(every2s()
                        .due(due.skippedTo(), Instant.parse("2026-11-22T10:10:04Z"), THRESHOLD, MissedFires.SKIP)
                        .fires())
                .containsExactly(Instant.parse("2026-11-22T10:10:04Z"));
    }

    @Test
    void aDailyScheduleMissedForDaysFiresOnceForTheLatestDay() {
        FireTimes daily = FireTimes.of("0 0 9 * * ?", PARIS);

        FireTimes.Due due = daily.due(
                Instant.parse("2026-11-20T08:00:00Z"),
                Instant.parse("2026-11-23T12:00:00Z"),
                THRESHOLD,
                MissedFires.FIRE_ONCE);

        assertThat(due.fires()).containsExactly(Instant.parse("2026-11-23T08:00:00Z"));
    }

    @Test
    void theWallClockTimeIsReadInTheScheduleTimeZoneWinterAndSummer() {
        FireTimes nineInParis = FireTimes.of("0 0 9 * * ?", PARIS);

        assertThat(nineInParis.nextAfter(Instant.parse("2026-01-15T00:00:00Z")))
                .contains(Instant.parse("2026-01-15T08:00:00Z")); // CET, UTC+1
        assertThat(nineInParis.nextAfter(Instant.parse("2026-07-15T00:00:00Z")))
                .contains(Instant.parse("2026-07-15T07:00:00Z")); // CEST, UTC+2
        assertThat(FireTimes.of("0 0 9 * * ?", ZoneOffset.UTC).nextAfter(Instant.parse("2026-07-15T00:00:00Z")))
                .contains(Instant.parse("2026-07-15T09:00:00Z"));
    }

    @Test
    void daylightSavingTimeSpringForwardAndFallBack() {
        // Paris, 29 March 2026: 02:00 CET becomes 03:00 CEST, so 02:30 does not exist that day.
        FireTimes halfPastTwo = FireTimes.of("0 30 2 * * ?", PARIS);
        List<Instant> march = fires(halfPastTwo, "2026-03-28T00:00:00Z", 3);
        assertThat(march)
                .containsExactly(
                        Instant.parse("2026-03-28T01:30:00Z"), // 02:30 CET
                        Instant.parse("2026-03-30T00:30:00Z"), // 29 March skipped; 02:30 CEST
                        Instant.parse("2026-03-31T00:30:00Z"));

        // Paris, 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 occurs twice; it fires once.
        List<Instant> october = fires(halfPastTwo, "2026-10-24T00:00:00Z", 3);
        assertThat(october)
                .containsExactly(
                        Instant.parse("2026-10-24T00:30:00Z"), // 02:30 CEST
                        Instant.parse("2026-10-25T00:30:00Z"), // 02:30 CEST, the first of the two
                        Instant.parse("2026-10-26T01:30:00Z")); // 02:30 CET

        // An hourly schedule keeps firing once an hour of real time across both changes.
        FireTimes hourly = FireTimes.of("0 0 * * * ?", PARIS);
        List<Instant> hours = fires(hourly, "2026-03-28T23:30:00Z", 4);
        for (int i = 1; i < hours.size(); i++) {
            assertThat(Duration.between(hours.get(i - 1), hours.get(i))).isEqualTo(Duration.ofHours(1));
        }
    }

    @Test
    void anExpressionOverPastYearsHasNoFireTime() {
        assertThat(FireTimes.of("0 0 0 1 1 ? 2020", ZoneOffset.UTC).nextAfter(Instant.parse("2026-01-01T00:00:00Z")))
                .isEmpty();
    }

    @Test
    void anInvalidCronOrTimeZoneNamesItsField() {
        assertThatThrownBy(() -> FireTimes.of("*/2 * * * *", ZoneOffset.UTC))
                .isInstanceOfSatisfying(FireTimes.InvalidSchedule.class, e -> assertThat(e.field())
                        .isEqualTo("cron"));
        assertThatThrownBy(() -> FireTimes.of("not a cron", ZoneOffset.UTC))
                .isInstanceOf(FireTimes.InvalidSchedule.class);
        assertThatThrownBy(() -> FireTimes.zone("Mars/Olympus_Mons"))
                .isInstanceOfSatisfying(FireTimes.InvalidSchedule.class, e -> assertThat(e.field())
                        .isEqualTo("timeZone"));
        assertThat(FireTimes.zone("America/New_York")).isEqualTo(ZoneId.of("America/New_York"));
    }

    private static List<Instant> fires(FireTimes times, String from, int count) {
        List<Instant> fires = new ArrayList<>();
        Instant at = Instant.parse(from);
        for (int i = 0; i < count; i++) {
            at = times.nextAfter(at).orElseThrow();
            fires.add(at);
        }
        return fires;
    }
}
