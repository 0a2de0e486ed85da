package dev.courier.listener.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DelayTiersTest {
    private final DelayTiers tiers = new DelayTiers(
            "courier.delay.",
            List.of(
                    Duration.ofHours(1),
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(10),
                    Duration.ofSeconds(10),
                    Duration.ofMinutes(1)));

    @Test
    void aWaitGoesToTheLongestTierNotLongerThanIt() {
        assertThat(tiers.tierFor(Duration.ofMillis(300)).topic()).isEqualTo("courier.delay.1s");
        assertThat(tiers.tierFor(Duration.ofSeconds(5)).topic()).isEqualTo("courier.delay.1s");
        assertThat(tiers.tierFor(Duration.ofSeconds(10)).topic()).isEqualTo("courier.delay.10s");
        assertThat(tiers.tierFor(Duration.ofMinutes(59)).topic()).isEqualTo("courier.delay.10m");
        assertThat(tiers.tierFor(Duration.ofDays(30)).topic()).isEqualTo("courier.delay.1h");
        assertThat(tiers.topics())
                .containsExactly(
                        "courier.delay.1s",
                        "courier.delay.10s",
                        "courier.delay.1m",
                        "courier.delay.10m",
                        "courier.delay.1h");
    }

    @Test
    void aTierMustBeAWholeNumberOfSeconds() {
        assertThatThrownBy(() -> new DelayTiers("d.", List.of(Duration.ofMillis(1500))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2026-11-22T05:00:00Z");
        assertThat(RetrySchedule.parseRetryAfter("2", now)).contains(Duration.ofSeconds(2));
        assertThat(RetrySchedule.parseRetryAfter("Sun, 22 Nov 2026 05:00:30 GMT", now))
                .contains(Duration.ofSeconds(30));
        assertThat(RetrySchedule.parseRetryAfter("soon", now)).isEmpty();
        assertThat(RetrySchedule.parseRetryAfter(null, now)).isEmpty();
    }
}
