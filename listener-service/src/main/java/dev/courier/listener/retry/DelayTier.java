package dev.courier.listener.retry;

import java.time.Duration;

/**
 * One delay-tier topic: every record written to it waits {@code delay} (or less, if it is due sooner) before it moves
 * on. Because every record of a tier waits the same length, each partition's head is always the first due.
 *
 * @param delay how long a record waits here at most
 * @param topic the topic
 */
public record DelayTier(Duration delay, String topic) {

    /** The label used in topic names: {@code 1s}, {@code 10m}, {@code 1h}. */
    public static String label(Duration delay) {
        long seconds = delay.toSeconds();
        if (delay.isZero() || delay.isNegative() || delay.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("a delay tier must be a positive whole number of seconds: " + delay);
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
