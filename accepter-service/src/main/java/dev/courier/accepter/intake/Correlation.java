package dev.courier.accepter.intake;

import jakarta.ws.rs.core.HttpHeaders;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.id.Ulid;

/**
 * Where a request's correlation id comes from when its body names none: the caller's {@code opc-request-id}, else
 * the trace id of its {@code traceparent}, else (decided later) the invocation id.
 */
public final class Correlation {
    private Correlation() {}

    /** The correlation id the caller's headers carry, or null. */
    public static String fromHeaders(HttpHeaders headers) {
        String opcRequestId = headers.getHeaderString(CourierHeaders.OPC_REQUEST_ID);
        if (opcRequestId != null && !opcRequestId.isBlank() && opcRequestId.length() <= 255) {
            return opcRequestId;
        }
        return traceId(headers.getHeaderString(CourierHeaders.TRACEPARENT));
    }

    /** The id an error response carries: the caller's, or a fresh one that the log line names too. */
    public static String forError(HttpHeaders headers) {
        String fromCaller = fromHeaders(headers);
        return fromCaller != null ? fromCaller : Ulid.next();
    }

    /** The trace-id field of a W3C {@code traceparent} ({@code version-traceid-parentid-flags}), or null. */
    private static String traceId(String traceparent) {
        if (traceparent == null) {
            return null;
        }
        String[] fields = traceparent.trim().split("-");
        return fields.length == 4 && fields[1].length() == 32 && fields[1].matches("[0-9a-f]{32}") ? fields[1] : null;
    }
}
