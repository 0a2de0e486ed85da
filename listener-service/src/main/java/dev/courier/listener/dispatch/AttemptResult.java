package dev.courier.listener.dispatch;

import java.time.Duration;

/** How one call to a target ended. */
public sealed interface AttemptResult {

    /** How long the attempt took. */
    Duration elapsed();

    /** Whether the target accepted the call (a 2xx). */
    boolean succeeded();

    /**
     * Whether trying again may help: timeouts, connection errors, 408, 429 and 5xx. Every other failure is final.
     */
    boolean retryable();

    /**
     * The target answered.
     *
     * @param status HTTP status
     * @param contentType the response's media type, or null
     * @param body the response body (bounded)
     * @param truncated whether the body was cut at the configured maximum
     * @param retryAfter the target's Retry-After header, or null
     * @param elapsed how long the attempt took
     * @param errorCode the target's own name for its failure, when it gives one (OCI's error {@code code}, e.g.
     *     {@code FunctionInvokeExecutionFailed}); null for a plain HTTP answer
     * @param errorMessage the target's own description of its failure, with {@code errorCode}
     */
    record Responded(
            int status,
            String contentType,
            byte[] body,
            boolean truncated,
            String retryAfter,
            Duration elapsed,
            String errorCode,
            String errorMessage)
            implements AttemptResult {

        /** An answer without an error code of the target's own: any HTTP target's. */
        public Responded(
                int status, String contentType, byte[] body, boolean truncated, String retryAfter, Duration elapsed) {
            this(status, contentType, body, truncated, retryAfter, elapsed, null, null);
        }

        @Override
        public boolean succeeded() {
            return status >= 200 && status < 300;
        }

        @Override
        public boolean retryable() {
            return status == 408 || status == 429 || status >= 500;
        }
    }

    /**
     * No response: the call could not be made or did not finish.
     *
     * @param errorCode one of {@link dev.courier.common.record.ErrorCodes}
     * @param message what happened
     * @param retryable whether trying again may help
     * @param elapsed how long the attempt took
     */
    record Failed(String errorCode, String message, boolean retryable, Duration elapsed) implements AttemptResult {
        @Override
        public boolean succeeded() {
            return false;
        }
    }
}
