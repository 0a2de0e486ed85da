package dev.courier.bench;

import java.time.Instant;

/** Wall-clock time in microseconds since the epoch: comparable between the bench's processes on one machine. */
final class Clock {
    private Clock() {}

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
