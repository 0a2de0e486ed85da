package dev.courier.listener.oci;

import java.time.Duration;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;

import com.oracle.bmc.http.client.RequestInterceptor;
import org.glassfish.jersey.client.ClientProperties;

/**
 * A read timeout per call for SDK clients, whose {@code ClientConfiguration} has one per client only. The call marks
 * itself with an internal header ({@link #mark(Duration)}, the SDK's invocation callback); this Jersey filter, on the
 * client, takes the header off again before anything is sent and sets Jersey's per-request read timeout from it,
 * which the Apache connector applies to that request's socket. The header is not among the signed ones, so removing
 * it leaves the signature intact.
 */
final class AttemptTimeout implements ClientRequestFilter {
    /** Internal: never leaves the process. */
    static final String HEADER = "courier-attempt-timeout-ms";

    /** The invocation callback that gives one call its read timeout. */
    static RequestInterceptor mark(Duration timeout) {
        String millis = Long.toString(Math.max(1, timeout.toMillis()));
        return request -> request.header(HEADER, millis);
    }

    @Override
    public void filter(ClientRequestContext request) {
        Object millis = request.getHeaders().getFirst(HEADER);
        if (millis != null) {
            request.getHeaders().remove(HEADER);
            request.setProperty(ClientProperties.READ_TIMEOUT, Integer.parseInt(millis.toString()));
        }
    }
}
