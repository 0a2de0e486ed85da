package dev.courier.e2e;

import java.time.Instant;

import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;

/** What a call received by the target says of the schedule fire that made it. */
final class ScheduleCalls {
    /** The header that names a fire: its correlation id is {@code schedule:<id>:<fire time in epoch ms>}. */
    static final String CORRELATION = "Courier-Correlation-Id";

    private ScheduleCalls() {}

    /** The fire time of {@code call} if schedule {@code id} made it, else null. */
    static Instant fireTime(RecordedRequest call, String id) {
        String correlation = call.header(CORRELATION);
        String prefix = "schedule:" + id + ":";
        return correlation != null && correlation.startsWith(prefix)
                ? Instant.ofEpochMilli(Long.parseLong(correlation.substring(prefix.length())))
                : null;
    }
}
