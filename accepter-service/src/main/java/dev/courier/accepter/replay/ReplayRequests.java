package dev.courier.accepter.replay;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.Condition;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.Target;

/**
 * Reads the body of {@code POST /v1/replays}: {@code {id?, from, to, condition?, errorCode?, target?}}. Strict, as the
 * intake is: not JSON is 400; an unknown field, a time that is not RFC 3339, {@code from} not before {@code to}, a
 * window wider than {@code courier.accepter.replay.max-window}, an unknown condition or an invalid target is 422
 * naming the field.
 */
@ApplicationScoped
public class ReplayRequests {
    private static final Set<String> FIELDS = Set.of("id", "from", "to", "condition", "errorCode", "target");

    private final ObjectMapper mapper;
    private final ObjectReader targets;
    private final Validator validator;
    private final Duration maxWindow;

    public ReplayRequests(ObjectMapper mapper, Validator validator, AccepterConfig config) {
        this.mapper = mapper;
        this.targets = mapper.readerFor(Target.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.validator = validator;
        this.maxWindow = config.replay().maxWindow();
    }

    /** The replay {@code body} asks for, valid; its id the caller's or a new one. */
    public ReplaySpec read(byte[] body) {
        JsonNode tree;
        try {
            tree = body == null || body.length == 0 ? null : mapper.readTree(body);
        } catch (IOException e) {
            throw RequestProblem.malformed("the request body is not JSON: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw RequestProblem.malformed("send a replay: {\"from\": \"<RFC 3339>\", \"to\": \"<RFC 3339>\"}");
        }
        if (!tree.isObject()) {
            throw invalid("body", "must be a JSON object");
        }
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "unknown field"));
            }
        }
        String id = text(tree, "id", errors);
        if (id != null && !id.matches(InvocationRequest.ID_PATTERN)) {
            errors.add(new FieldError("id", "must be 1 to 128 characters from [0-9A-Za-z._~:-]"));
        }
        Instant from = instant(tree, "from", errors);
        Instant to = instant(tree, "to", errors);
        if (from != null && to != null) {
            if (!from.isBefore(to)) {
                errors.add(new FieldError("to", "must be after from"));
            } else if (Duration.between(from, to).compareTo(maxWindow) > 0) {
                errors.add(new FieldError(
                        "to", "the window may be at most " + maxWindow + " wide (courier.accepter.replay.max-window)"));
            }
        }
        Condition condition = condition(text(tree, "condition", errors), errors);
        String errorCode = text(tree, "errorCode", errors);
        if (errorCode != null && (errorCode.isEmpty() || errorCode.length() > 255)) {
            errors.add(new FieldError("errorCode", "must be 1 to 255 characters"));
        }
        Target target = target(tree.get("target"), errors);
        if (!errors.isEmpty()) {
            throw RequestProblem.invalidFields(errors.stream()
                    .sorted(Comparator.comparing(FieldError::field))
                    .toList());
        }
        return new ReplaySpec(id != null ? id : Ulid.next(), from, to, condition, errorCode, target);
    }

    private static String text(JsonNode tree, String field, List<FieldError> errors) {
        JsonNode value = tree.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return value.asText();
    }

    private static Instant instant(JsonNode tree, String field, List<FieldError> errors) {
        JsonNode value = tree.get(field);
        if (value == null || value.isNull()) {
            errors.add(new FieldError(field, "is required: an RFC 3339 time, e.g. 2026-11-22T05:00:00Z"));
            return null;
        }
        if (value.isTextual()) {
            try {
                return OffsetDateTime.parse(value.asText()).toInstant();
            } catch (DateTimeParseException e) {
                // answered below
            }
        }
        errors.add(new FieldError(field, "must be an RFC 3339 time with an offset, e.g. 2026-11-22T05:00:00Z"));
        return null;
    }

    private static Condition condition(String name, List<FieldError> errors) {
        if (name == null) {
            return null;
        }
        for (Condition condition : Condition.values()) {
            if (condition != Condition.SUCCESS && condition.wireName().equals(name)) {
                return condition;
            }
        }
        errors.add(new FieldError(
                "condition",
                "unknown condition " + name + "; one of "
                        + Arrays.stream(Condition.values())
                                .filter(condition -> condition != Condition.SUCCESS)
                                .map(Condition::wireName)
                                .collect(Collectors.joining(", "))
                        + " (a replay repeats failures)"));
        return null;
    }

    /** The override target, read and validated as an invocation request's {@code target} is. */
    private Target target(JsonNode value, List<FieldError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            errors.add(new FieldError("target", "must be a JSON object"));
            return null;
        }
        Target target;
        try {
            target = targets.readValue(value);
        } catch (IOException e) {
            errors.add(new FieldError("target", "not a valid target: " + firstLine(e.getMessage())));
            return null;
        }
        Set<ConstraintViolation<Target>> violations = validator.validate(target);
        for (ConstraintViolation<Target> violation : violations) {
            String path = violation.getPropertyPath().toString();
            errors.add(new FieldError(path.isEmpty() ? "target" : "target." + path, violation.getMessage()));
        }
        return violations.isEmpty() ? target : null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    private static RequestProblem invalid(String field, String message) {
        return RequestProblem.invalidFields(List.of(new FieldError(field, message)));
    }
}
