package dev.courier.accepter.relay;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem.FieldError;

/**
 * The {@code Courier-*} headers that steer a relayed call (SPEC section 3), read from the relay request. They are
 * Courier's, never the target's: each one known becomes a field of the invocation request, and an unknown one is an
 * error, so that a misspelt control header never silently becomes a header sent to the target.
 *
 * @param deliverAt {@code Courier-Deliver-At}: never deliver before this instant, or null
 * @param callbackUrl {@code Courier-Callback}: where the target's response is forwarded, or null
 * @param correlationId {@code Courier-Correlation-Id}, or null
 * @param timeoutSeconds {@code Courier-Timeout}: the per-attempt timeout in seconds, or null
 * @param maxAttempts {@code Courier-Max-Attempts}, or null
 * @param orderingKey {@code Courier-Ordering-Key}, or null
 */
public record ControlHeaders(
        Instant deliverAt,
        String callbackUrl,
        String correlationId,
        Integer timeoutSeconds,
        Integer maxAttempts,
        String orderingKey) {

    /** The prefix of Courier's own headers; none of them is passed on to a target. */
    public static final String PREFIX = "courier-";

    /** The control headers by lower-case name, in the order they are documented. */
    private static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        for (String name : List.of(
                CourierHeaders.DELIVER_AT,
                CourierHeaders.CALLBACK,
                CourierHeaders.CORRELATION_ID,
                CourierHeaders.TIMEOUT,
                CourierHeaders.MAX_ATTEMPTS,
                CourierHeaders.ORDERING_KEY)) {
            KNOWN.put(name.toLowerCase(Locale.ROOT), name);
        }
    }

    /**
     * The control headers among {@code headers} (any name case), or a list of errors, each naming its header: an
     * unknown {@code Courier-*} header, one given more than once, or a value that cannot be read. Ranges (a timeout of
     * 1 to 3600 s, at most 30 days ahead, ...) are checked later with the whole request, and named after these
     * headers too ({@link #headerOf}).
     */
    static ControlHeaders read(Map<String, List<String>> headers, List<FieldError> errors) {
        Map<String, String> values = new TreeMap<>();
        headers.forEach((name, given) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.startsWith(PREFIX)) {
                return;
            }
            String known = KNOWN.get(lower);
            if (known == null) {
                errors.add(new FieldError(
                        name, "is not a Courier control header; they are " + String.join(", ", KNOWN.values())));
            } else if (given.size() != 1 || values.containsKey(known)) {
                errors.add(new FieldError(known, "is given more than once"));
            } else {
                values.put(known, given.get(0).trim());
            }
        });
        return new ControlHeaders(
                instant(values.get(CourierHeaders.DELIVER_AT), errors),
                values.get(CourierHeaders.CALLBACK),
                values.get(CourierHeaders.CORRELATION_ID),
                integer(CourierHeaders.TIMEOUT, values.get(CourierHeaders.TIMEOUT), "seconds", errors),
                integer(CourierHeaders.MAX_ATTEMPTS, values.get(CourierHeaders.MAX_ATTEMPTS), "attempts", errors),
                values.get(CourierHeaders.ORDERING_KEY));
    }

    /**
     * The relay request's part that a field of the invocation request came from, for an error about that field: a
     * control header, the idempotency key's header, or a part of the relay URL; {@code field} itself for the rest.
     */
    static String headerOf(String field) {
        return switch (field) {
            case "deliverAt" -> CourierHeaders.DELIVER_AT;
            case "callback.url", "callback" -> CourierHeaders.CALLBACK;
            case "correlationId" -> CourierHeaders.CORRELATION_ID;
            case "timeoutSeconds" -> CourierHeaders.TIMEOUT;
            case "retry.maxAttempts", "retry" -> CourierHeaders.MAX_ATTEMPTS;
            case "orderingKey" -> CourierHeaders.ORDERING_KEY;
            case "idempotencyKey" -> CourierHeaders.IDEMPOTENCY_KEY;
            case "contentType" -> "Content-Type";
            case "bodyBase64" -> "body";
            case "target.route" -> "route";
            case "target.path" -> "path";
            default -> field;
        };
    }

    private static Instant instant(String value, List<FieldError> errors) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(
                    CourierHeaders.DELIVER_AT, "must be an RFC 3339 date-time, e.g. 2026-11-22T05:31:21Z"));
            return null;
        }
    }

    private static Integer integer(String header, String value, String unit, List<FieldError> errors) {
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            errors.add(new FieldError(header, "must be an integer number of " + unit));
            return null;
        }
    }
}
