package dev.courier.bench;

import java.nio.charset.StandardCharsets;

/** The invocation requests the bench sends: one shape, padded to an exact size. */
final class RequestBodies {
    private RequestBodies() {}

    /**
     * A request for {@code target} of exactly {@code bytes} bytes (padded inside its body), with {@code extraFields}
     * (JSON members, each followed by a comma, or empty) before the body.
     */
    static byte[] invocation(String target, int bytes, String extraFields) {
        String head =
                "{\"target\":{\"type\":\"http\",\"url\":\"" + target + "\"}," + extraFields + "\"body\":{\"pad\":\"";
        String tail = "\"}}";
        int pad = Math.max(0, bytes - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    /** The members that make the target time accept → target (see {@link TargetServer#SENT_AT}). */
    static String stamped(long sentAtMicros) {
        return "\"headers\":{\"" + TargetServer.SENT_AT + "\":\"" + sentAtMicros + "\"},";
    }

    /**
     * {@code body --target T [--bytes B] [--with-id true]}: prints a request (for wrk, the raw producer's payload
     * file). With an {@code id}, the accepter reads and validates it, then refuses it (422: ids are assigned by
     * Courier): the same app's answer without Kafka.
     */
    static void print(Options options) {
        boolean withId = Boolean.parseBoolean(options.text("with-id", "false"));
        byte[] body = invocation(
                options.required("target"),
                options.integer("bytes", 1024),
                withId ? "\"id\":\"01JBENCH0000000000000000ID\"," : "");
        System.out.print(new String(body, StandardCharsets.US_ASCII));
    }
}
