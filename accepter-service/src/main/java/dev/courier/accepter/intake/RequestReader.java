package dev.courier.accepter.intake;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.request.InvocationRequest;

/**
 * Reads a request body into an {@link InvocationRequest} and validates it, strictly: unknown fields, strings where
 * numbers belong and fractions where integers belong are errors, so that a typo never silently becomes a default.
 * Every failure names the field concerned.
 */
@ApplicationScoped
public class RequestReader {
    private final ObjectReader syntax;
    private final ObjectReader reader;
    private final Validator validator;

    public RequestReader(ObjectMapper mapper, Validator validator) {
        ObjectMapper strict = mapper.copy()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        strict.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        this.syntax = strict.reader();
        this.reader = strict.readerFor(InvocationRequest.class);
        this.validator = validator;
    }

    /** The request in {@code body}, valid; otherwise a {@link RequestProblem} naming what is wrong. */
    public InvocationRequest read(byte[] body) {
        if (body == null || body.length == 0) {
            throw RequestProblem.malformed("the request body is empty; send an invocation request as JSON");
        }
        InvocationRequest request = parse(body);
        if (request == null) {
            throw RequestProblem.malformed("the request body is JSON null; send an invocation request object");
        }
        Set<ConstraintViolation<InvocationRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw RequestProblem.invalidFields(violations.stream()
                    .map(v -> new FieldError(v.getPropertyPath().toString(), v.getMessage()))
                    .sorted(Comparator.comparing(FieldError::field))
                    .toList());
        }
        return request;
    }

    /**
     * Two phases so that each failure gets its status: a syntax error (400) is found while reading the tree, a field
     * of the wrong shape (422) while mapping it.
     */
    private InvocationRequest parse(byte[] body) {
        JsonNode tree;
        try {
            tree = syntax.readTree(body);
        } catch (JsonProcessingException e) {
            throw RequestProblem.malformed("malformed JSON" + at(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw RequestProblem.malformed("unreadable body: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return null;
        }
        if (!tree.isObject()) {
            throw RequestProblem.invalidFields(List.of(new FieldError("body", "must be a JSON object")));
        }
        try {
            return reader.readValue(tree);
        } catch (UnrecognizedPropertyException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), "unknown field")));
        } catch (InvalidFormatException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), expected(e))));
        } catch (MismatchedInputException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), expected(e))));
        } catch (JsonMappingException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), e.getOriginalMessage())));
        } catch (IOException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError("body", e.getMessage())));
        }
    }

    /** The dotted path of the field a mapping error is about, e.g. {@code target.type} or {@code query.a[0]}. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    private static String expected(MismatchedInputException e) {
        Class<?> type = e.getTargetType();
        if (type == null) {
            return "has the wrong type";
        }
        if (type.isEnum()) {
            return "must be one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(constant -> constant.toString().toLowerCase())
                            .collect(Collectors.joining(", "));
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "must be an integer";
        }
        if (type == Double.class || type == double.class) {
            return "must be a number";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(type)) {
            return "must be an RFC 3339 date-time, e.g. 2026-11-22T05:31:21Z";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "must be an object";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "must be an array";
        }
        return "has the wrong type";
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
