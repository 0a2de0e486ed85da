package dev.courier.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A latency distribution, recorded from any thread in microseconds, printed in milliseconds. */
final class Latencies {
    /** Anything longer than a minute is recorded as a minute. */
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(1);

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private Histogram total = new Histogram(HIGHEST_MICROS, 3);

    void recordMicros(long micros) {
        recorder.recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
    }

    void recordNanos(long nanos) {
        recordMicros(nanos / 1_000);
    }

    /** Forgets everything recorded so far. */
    synchronized void reset() {
        recorder.reset();
        total = new Histogram(HIGHEST_MICROS, 3);
    }

    /** {@code <prefix>count=.. <prefix>p50_ms=.. <prefix>p90_ms=.. <prefix>p99_ms=.. <prefix>p999_ms=.. <prefix>max_ms=..}. */
    synchronized String summary(String prefix) {
        total.add(recorder.getIntervalHistogram());
        return String.format(
                Locale.ROOT,
                "%scount=%d %sp50_ms=%.3f %sp90_ms=%.3f %sp99_ms=%.3f %sp999_ms=%.3f %smax_ms=%.3f",
                prefix,
                total.getTotalCount(),
                prefix,
                millis(50),
                prefix,
                millis(90),
                prefix,
                millis(99),
                prefix,
                millis(99.9),
                prefix,
                total.getMaxValue() / 1000.0);
    }

    private double millis(double percentile) {
        return total.getValueAtPercentile(percentile) / 1000.0;
    }
}
