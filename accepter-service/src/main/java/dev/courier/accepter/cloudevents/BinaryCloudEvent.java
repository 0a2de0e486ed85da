package dev.courier.accepter.cloudevents;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import jakarta.ws.rs.core.HttpHeaders;

import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.Problem.FieldError;

/**
 * A CloudEvent in HTTP binary content mode (CloudEvents 1.0 HTTP binding): the event's attributes are {@code ce-*}
 * headers and the body is its {@code data}, here the invocation request. A {@code POST /v1/invocations} with a
 * {@code ce-specversion} header is one; its required attributes ({@code ce-id}, {@code ce-source}, {@code ce-type},
 * {@code ce-specversion: 1.0}) must be there (422 naming the header), and its data is JSON
 * ({@code Content-Type: application/json}, else 415).
 *
 * <p>The event's {@code source} and {@code id} identify it (CloudEvents: events with the same source and id are
 * duplicates), so they are the request's idempotency key when it names none: an event sent again is one invocation.
 *
 * @param id the event's {@code ce-id}
 * @param source the event's {@code ce-source}
 * @param type the event's {@code ce-type}
 */
public record BinaryCloudEvent(String id, String source, String type) {
    /** The header that makes a request a binary-mode CloudEvent. */
    public static final String SPECVERSION = "ce-specversion";

    /** The only CloudEvents version there is. */
    public static final String VERSION = "1.0";

    /** The event {@code headers} carry in binary mode, or empty if they carry none; 422 naming a missing attribute. */
    public static Optional<BinaryCloudEvent> of(HttpHeaders headers) {
        String specversion = headers.getHeaderString(SPECVERSION);
        if (specversion == null) {
            return Optional.empty();
        }
        List<FieldError> errors = new ArrayList<>();
        if (!VERSION.equals(specversion)) {
            errors.add(new FieldError(SPECVERSION, "must be " + VERSION));
        }
        String id = required(headers, "ce-id", errors);
        String source = required(headers, "ce-source", errors);
        String type = required(headers, "ce-type", errors);
        if (!errors.isEmpty()) {
            throw RequestProblem.invalidFields(errors);
        }
        return Optional.of(new BinaryCloudEvent(id, source, type));
    }

    /**
     * The idempotency key this event stands for: {@code cloudevent:<source>:<id>}. Longer than a key may be (255),
     * it is the SHA-256 of that, so that no event is refused for a long source.
     */
    public String idempotencyKey() {
        String key = "cloudevent:" + source + ":" + id;
        if (key.length() <= 255) {
            return key;
        }
        try {
            return "cloudevent:sha256:"
                    + HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String required(HttpHeaders headers, String name, List<FieldError> errors) {
        String value = headers.getHeaderString(name);
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(name, "is required in a binary-mode CloudEvent"));
            return null;
        }
        return value;
    }
}
