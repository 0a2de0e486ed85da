package dev.courier.listener.dispatch;

import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.Set;

import dev.courier.common.http.CourierHeaders;

/** Which caller-given headers Courier passes on to a target or a callback. */
public final class ForwardedHeaders {
    /**
     * Headers a caller may not set: hop-by-hop headers (RFC 9110 section 7.6.1), those the HTTP client owns, the body's
     * media type (given by {@code contentType} or the response) and Courier's own, which only Courier sets.
     */
    private static final Set<String> RESERVED = Set.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "host",
            "content-length",
            "expect",
            "content-type",
            CourierHeaders.IDEMPOTENCY_KEY.toLowerCase(Locale.ROOT));

    private ForwardedHeaders() {}

    /**
     * Adds a header to a call. The HTTP client's refusal of a value would quote it; a value may be a secret (opened
     * from its sealed form a moment ago), so the header is named alone.
     */
    public static void add(HttpRequest.Builder call, String name, String value) {
        try {
            call.header(name, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("header " + name + " cannot be sent as given");
        }
    }

    /** Whether a caller-given header named {@code name} is passed on. */
    public static boolean forwardable(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !RESERVED.contains(lower) && !lower.startsWith("courier-") && !lower.startsWith("webhook-");
    }
}
