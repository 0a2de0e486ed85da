package dev.courier.common.status;

import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatusEventTest {

    @Test
    void everyFieldSurvivesTheBinaryForm() {
        Instant at = Instant.parse("2026-12-02T10:15:30.123Z");
        StatusEvent event = new StatusEvent(
                "01K1Q6K12C1BT01KRZJ000HKB9",
                InvocationStatus.RETRYING,
                3,
                at.plusSeconds(10),
                at.minusSeconds(5),
                at,
                "503",
                "conv-ü-7",
                false);

        assertThat(StatusEvent.decode(event.encode())).isEqualTo(event);
    }

    @Test
    void absentFieldsStayAbsent() {
        StatusEvent cancel = StatusEvent.cancelRequested("01K1Q6K12C1BT01KRZJ000HKB9", Instant.ofEpochMilli(42));

        StatusEvent decoded = StatusEvent.decode(cancel.encode());

        assertThat(decoded).isEqualTo(cancel);
        assertThat(decoded.requested()).isTrue();
        assertThat(decoded.nextAttemptAt()).isNull();
        assertThat(decoded.correlationId()).isNull();
    }

    @Test
    void theTenantIsATrailingFieldThatEarlierReadersNeverReach() {
        Instant at = Instant.parse("2026-12-02T10:15:30.123Z");
        StatusEvent withTenant = StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", at, "c", "acme");
        StatusEvent without = StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", at, "c");

        assertThat(StatusEvent.decode(withTenant.encode())).isEqualTo(withTenant);
        assertThat(StatusEvent.decode(without.encode()).tenant()).isNull();
        // An earlier version reads the fields up to the correlation id and stops: those bytes are unchanged.
        byte[] old = without.encode();
        assertThat(Arrays.copyOf(withTenant.encode(), old.length)).isEqualTo(old);
    }

    @Test
    void replayOfFollowsTheTenantAndEarlierReadersStopBeforeIt() {
        Instant at = Instant.parse("2026-12-02T10:15:30.123Z");
        StatusEvent replay =
                StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", at, "c", null, "01K1Q6K12C1BT01KRZJ000ORIG");
        StatusEvent replayOfTenant =
                StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", at, "c", "acme", "01K1Q6K12C1BT01KRZJ000ORIG");
        StatusEvent withTenant = StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", at, "c", "acme");

        assertThat(StatusEvent.decode(replay.encode())).isEqualTo(replay);
        assertThat(StatusEvent.decode(replay.encode()).tenant()).isNull();
        assertThat(StatusEvent.decode(replayOfTenant.encode())).isEqualTo(replayOfTenant);
        assertThat(StatusEvent.decode(withTenant.encode()).replayOf()).isNull();
        // A reader that knows the tenant but not replayOf reads the same bytes up to the tenant as before.
        byte[] old = withTenant.encode();
        assertThat(Arrays.copyOf(replayOfTenant.encode(), old.length)).isEqualTo(old);
    }

    @Test
    void bytesThatAreNotAnEventAreRefusedNotMisread() {
        byte[] event = StatusEvent.accepted("01K1Q6K12C1BT01KRZJ000HKB9", Instant.now(), "c")
                .encode();

        assertThatThrownBy(() -> StatusEvent.decode(Arrays.copyOf(event, event.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StatusEvent.decode("{\"id\":1}".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StatusEvent.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
