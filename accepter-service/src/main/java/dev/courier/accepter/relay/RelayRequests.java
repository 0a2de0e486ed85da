package dev.courier.accepter.relay;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.wait.WaitPreference;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.request.Callback;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.RetryPolicy;
import dev.courier.common.request.Target;
import dev.courier.security.AccessGate;

/**
 * Turns a relay call ({@code ANY /v1/relay/{route}/{path}}) into the invocation request that makes the same call to
 * the route: its method, path below the route, query, headers and body, steered by its {@code Courier-*} control
 * headers. The request is validated as {@code POST /v1/invocations} validates one, and every error names the part of
 * the relay call it is about (a header, {@code route}, {@code path}, {@code query}, {@code body}).
 */
@ApplicationScoped
public class RelayRequests {
    /**
     * Headers of the relay call that are not passed on: hop-by-hop headers (RFC 9110 section 7.6.1), those the
     * listener's HTTP client sets itself, {@code Content-Type} (it becomes {@code contentType}),
     * {@code Idempotency-Key} (it is Courier's: it becomes the request's idempotency key, and the listener sends the
     * invocation id under that name) and {@code Accept-Encoding}: the listener does not decode a compressed response,
     * and a callback or a waiting caller would get bytes without the {@code Content-Encoding} that explains them.
     */
    private static final Set<String> NOT_PASSED_ON = Set.of(
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
            "content-type",
            "expect",
            "accept-encoding",
            CourierHeaders.IDEMPOTENCY_KEY.toLowerCase(Locale.ROOT));

    private final Validator validator;
    private final int maxBodyBytes;

    private final AccessGate gate;

    public RelayRequests(Validator validator, AccepterConfig config, AccessGate gate) {
        this.gate = gate;
        this.validator = validator;
        this.maxBodyBytes = config.maxBodyBytes();
    }

    /**
     * The invocation request for a relay call, valid, without an id yet; otherwise a {@link RequestProblem}: 422
     * naming each invalid part, 413 for a body over {@code max-body-bytes}, 400 for a query string that cannot be
     * decoded.
     *
     * @param method the relay call's method
     * @param route the route name, decoded
     * @param rawPath what follows {@code /v1/relay/{route}/}, still percent-encoded, or null when nothing does
     * @param rawQuery the relay call's query string, still encoded, or null
     * @param headers the relay call's headers, by name as sent
     * @param body the relay call's body; empty or null for none
     */
    public InvocationRequest toInvocation(
            String method,
            String route,
            String rawPath,
            String rawQuery,
            Map<String, List<String>> headers,
            byte[] body) {
        if (body != null && body.length > maxBodyBytes) {
            throw RequestProblem.bodyTooLarge("body", maxBodyBytes);
        }
        List<FieldError> errors = new ArrayList<>();
        if (route.isEmpty()) {
            errors.add(new FieldError("route", "must name a route: /v1/relay/{route}/{path}"));
        }
        ControlHeaders control = ControlHeaders.read(headers, errors);
        if (!errors.isEmpty()) {
            throw RequestProblem.invalidFields(errors);
        }
        boolean hasBody = body != null && body.length > 0;
        String idempotencyKey = single(headers, CourierHeaders.IDEMPOTENCY_KEY);
        InvocationRequest request = new InvocationRequest(
                null,
                Target.route(method, route, rawPath == null || rawPath.isEmpty() ? null : rawPath),
                null,
                passedOn(withoutCourierCredential(headers)),
                query(rawQuery),
                null,
                hasBody ? Base64.getEncoder().encodeToString(body) : null,
                null,
                hasBody ? single(headers, "Content-Type") : null,
                control.callbackUrl() == null ? null : new Callback(control.callbackUrl(), null),
                control.correlationId(),
                control.deliverAt(),
                null,
                null,
                null,
                control.timeoutSeconds(),
                control.maxAttempts() == null ? null : new RetryPolicy(control.maxAttempts(), null, null, null),
                control.orderingKey(),
                idempotencyKey,
                null,
                null,
                null);
        Set<ConstraintViolation<InvocationRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw RequestProblem.invalidFields(violations.stream()
                    .map(v -> new FieldError(
                            ControlHeaders.headerOf(v.getPropertyPath().toString()), v.getMessage()))
                    .sorted(Comparator.comparing(FieldError::field))
                    .toList());
        }
        return request;
    }

    /**
     * The headers passed on to the target: all but {@link #NOT_PASSED_ON}, those the {@code Connection} header names
     * (hop-by-hop by declaration) and Courier's own. A header sent more than once is passed on once, its values joined
     * as RFC 9110 section 5.3 allows ({@code Cookie} with {@code ;}); names keep the case they were sent in.
     */
    /**
     * The headers without the credential the caller presented to Courier (AccessGate: {@code X-Api-Key} if there is
     * one, else {@code Authorization}): it is Courier's, never the target's. With authentication off nothing is
     * Courier's, and {@code Authorization} is passed on as before.
     */
    private Map<String, List<String>> withoutCourierCredential(Map<String, List<String>> headers) {
        if (!gate.enabled()) {
            return headers;
        }
        boolean apiKey = headers.keySet().stream().anyMatch(AccessGate.API_KEY_HEADER::equalsIgnoreCase);
        String credential = apiKey ? AccessGate.API_KEY_HEADER : "Authorization";
        Map<String, List<String>> rest = new LinkedHashMap<>(headers);
        rest.keySet().removeIf(credential::equalsIgnoreCase);
        return rest;
    }

    static Map<String, String> passedOn(Map<String, List<String>> headers) {
        Set<String> hopByHop = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> {
            if (name.equalsIgnoreCase("Connection")) {
                for (String value : values) {
                    for (String token : value.split(",")) {
                        hopByHop.add(token.trim());
                    }
                }
            }
        });
        Map<String, List<String>> kept = new LinkedHashMap<>();
        Map<String, String> firstName = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_PASSED_ON.contains(lower)
                    || hopByHop.contains(name)
                    || lower.startsWith(ControlHeaders.PREFIX)
                    || lower.startsWith("webhook-")) {
                return;
            }
            String as = firstName.computeIfAbsent(lower, ignored -> name);
            kept.computeIfAbsent(as, ignored -> new ArrayList<>()).addAll(values);
        });
        Map<String, String> joined = new LinkedHashMap<>();
        kept.forEach((name, values) -> {
            if (name.equalsIgnoreCase(WaitPreference.PREFER)) {
                // wait is the accepter's preference (it answers with the outcome); the others are the target's.
                String others = WaitPreference.withoutWait(values);
                if (others != null) {
                    joined.put(name, others);
                }
            } else {
                joined.put(name, String.join(name.equalsIgnoreCase("Cookie") ? "; " : ", ", values));
            }
        });
        return joined.isEmpty() ? null : joined;
    }

    /**
     * The query string's parameters, decoded as a form would be ({@code +} is a space), in the order of their first
     * appearance, each with its values in order; null when there are none. The listener encodes them again.
     */
    static Map<String, List<String>> query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals >= 0 ? pair.substring(0, equals) : pair);
            String value = equals >= 0 ? decode(pair.substring(equals + 1)) : "";
            if (name.isEmpty()) {
                throw RequestProblem.invalidFields(
                        List.of(new FieldError("query", "a parameter without a name: '" + pair + "'")));
            }
            query.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
        }
        return query.isEmpty() ? null : query;
    }

    /**
     * About how many bytes the request's JSON takes, never less than its body does; what decides whether the claim
     * check looks at the body ({@link dev.courier.accepter.intake.RequestAcceptor.Submission#documentBytes()}).
     * Writing the document just to measure it would cost a copy of a body of up to {@code max-body-bytes}.
     */
    static int documentBytes(InvocationRequest request) {
        long bytes = 1024; // the fixed fields: id, target, correlation id, timestamps, retry
        if (request.bodyBase64() != null) {
            bytes += request.bodyBase64().length();
        }
        if (request.headers() != null) {
            for (Map.Entry<String, String> header : request.headers().entrySet()) {
                bytes += header.getKey().length() + header.getValue().length() * 2L + 8;
            }
        }
        if (request.query() != null) {
            for (Map.Entry<String, List<String>> parameter : request.query().entrySet()) {
                for (String value : parameter.getValue()) {
                    bytes += parameter.getKey().length() + value.length() * 2L + 8;
                }
            }
        }
        if (request.callback() != null) {
            bytes += request.callback().url().length();
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** A segment of the relay URL's path, percent-decoded ({@code +} stays itself, as in any path). */
    static String decodeSegment(String encoded) {
        try {
            return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RequestProblem.malformed("the path cannot be decoded: " + e.getMessage());
        }
    }

    private static String decode(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RequestProblem.malformed("the query string cannot be decoded: " + e.getMessage());
        }
    }

    /** The one value of header {@code name} (any case), or null; one given more than once is a 422 naming it. */
    private static String single(Map<String, List<String>> headers, String name) {
        String found = null;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name)) {
                if (found != null || header.getValue().size() != 1) {
                    throw RequestProblem.invalidFields(List.of(new FieldError(name, "is given more than once")));
                }
                found = header.getValue().get(0);
            }
        }
        return found;
    }
}
