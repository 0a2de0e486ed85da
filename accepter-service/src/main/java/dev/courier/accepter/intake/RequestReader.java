package dev.courier.accepter.intake;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
    /** Reads one item of a batch as a tree: the rest of the document follows it, so no end-of-input check. */
    private final ObjectReader item;

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
        this.item = syntax.without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.reader = strict.readerFor(InvocationRequest.class);
        this.validator = validator;
    }

    /** The request in {@code body}, valid; otherwise a {@link RequestProblem} naming what is wrong. */
    public InvocationRequest read(byte[] body) {
        if (body == null || body.length == 0) {
            throw RequestProblem.malformed("the request body is empty; send an invocation request as JSON");
        }
        return request(tree(body));
    }

    /**
     * The items of a batch document, {@code {"requests": [<request>, ...]}}, in order: each one read and validated as
     * {@link #read} reads a single request, and refused on its own when it is invalid. The document is parsed once,
     * as a stream, so that each item's size in bytes is known (for the claim check) without writing it again. A
     * document that is not JSON is a 400 and one without 1 to {@code maxItems} requests a 422 naming
     * {@code requests}, for the whole batch.
     */
    public List<BatchItem> readBatch(byte[] body, int maxItems) {
        if (body == null || body.length == 0) {
            throw RequestProblem.malformed("the request body is empty; send {\"requests\": [...]} as JSON");
        }
        try (JsonParser parser = syntax.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == JsonToken.VALUE_NULL) {
                throw RequestProblem.malformed("the request body is JSON null; send {\"requests\": [...]}");
            }
            if (first != JsonToken.START_OBJECT) {
                throw RequestProblem.invalidFields(List.of(new FieldError("body", "must be a JSON object")));
            }
            List<BatchItem> items = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (!"requests".equals(field)) {
                    throw RequestProblem.invalidFields(List.of(new FieldError(field, "unknown field")));
                }
                if (items != null) {
                    throw RequestProblem.invalidFields(List.of(new FieldError("requests", "is given twice")));
                }
                items = batchItems(parser, maxItems);
            }
            if (parser.nextToken() != null) {
                throw RequestProblem.malformed("malformed JSON" + at(parser.currentTokenLocation())
                        + ": trailing content after the batch document");
            }
            if (items == null || items.isEmpty()) {
                throw RequestProblem.invalidFields(List.of(new FieldError("requests", itemCount(maxItems))));
            }
            return items;
        } catch (JsonProcessingException e) {
            throw RequestProblem.malformed("malformed JSON" + at(e.getLocation()) + ": " + syntaxError(e));
        } catch (IOException e) {
            throw RequestProblem.malformed("unreadable body: " + e.getMessage());
        }
    }

    /** The array of a batch, the parser on its first token; each item is read as a tree of its own. */
    private List<BatchItem> batchItems(JsonParser parser, int maxItems) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw RequestProblem.invalidFields(List.of(new FieldError("requests", "must be an array")));
        }
        List<BatchItem> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (items.size() == maxItems) {
                throw RequestProblem.invalidFields(List.of(new FieldError("requests", itemCount(maxItems))));
            }
            long start = parser.currentTokenLocation().getByteOffset();
            JsonNode tree = item.readTree(parser);
            // The item's last token is consumed; the parser's current location is just past it.
            int documentBytes = (int) (parser.currentLocation().getByteOffset() - start);
            try {
                items.add(new BatchItem.Read(request(tree), documentBytes));
            } catch (RequestProblem problem) {
                items.add(new BatchItem.Refused(problem));
            }
        }
        return items;
    }

    /**
     * What is wrong with the syntax, in Jackson's words but without its Java names: a trailing token is reported with
     * the class the document was bound to and the feature that refused it (found by the fuzz test).
     */
    private static String syntaxError(JsonProcessingException e) {
        if (e instanceof MismatchedInputException) {
            return "trailing content after the JSON document";
        }
        return withoutJavaNames(e.getOriginalMessage());
    }

    /** {@code message} with Jackson's quoted Java names ({@code `com.example.Type`}) left out. */
    private static String withoutJavaNames(String message) {
        return message == null ? "" : JAVA_NAME.matcher(message).replaceAll("the value");
    }

    private static final java.util.regex.Pattern JAVA_NAME =
            java.util.regex.Pattern.compile("`[A-Za-z_$][\\w$]*(\\.[\\w$]+)+`");

    private static String itemCount(int maxItems) {
        return "must hold 1 to " + maxItems + " invocation requests";
    }

    /**
     * The JSON tree of {@code body}, read as strictly as a request (no trailing content); a syntax error is a 400. For a
     * document that holds a request, e.g. a schedule's template, read afterwards with {@link #read(JsonNode)}.
     */
    public JsonNode tree(byte[] body) {
        if (body == null || body.length == 0) {
            throw RequestProblem.malformed("the request body is empty; send a JSON document");
        }
        try {
            return syntax.readTree(body);
        } catch (JsonProcessingException e) {
            throw RequestProblem.malformed("malformed JSON" + at(e.getLocation()) + ": " + syntaxError(e));
        } catch (IOException e) {
            throw RequestProblem.malformed("unreadable body: " + e.getMessage());
        }
    }

    /**
     * The request {@code tree} holds, valid, exactly as {@link #read(byte[])} reads a whole body; otherwise a
     * {@link RequestProblem} naming what is wrong.
     */
    public InvocationRequest read(JsonNode tree) {
        return request(tree);
    }

    /**
     * The request {@code tree} holds, valid. Two phases so that each failure gets its status: a syntax error (400) is
     * found while reading the tree, a field of the wrong shape (422) while mapping it.
     */
    private InvocationRequest request(JsonNode tree) {
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw RequestProblem.malformed("the request body is JSON null; send an invocation request object");
        }
        if (!tree.isObject()) {
            throw RequestProblem.invalidFields(List.of(new FieldError("body", "must be a JSON object")));
        }
        InvocationRequest request = map(tree);
        Set<ConstraintViolation<InvocationRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw RequestProblem.invalidFields(violations.stream()
                    .map(v -> new FieldError(v.getPropertyPath().toString(), v.getMessage()))
                    .sorted(Comparator.comparing(FieldError::field))
                    .toList());
        }
        return request;
    }

    private InvocationRequest map(JsonNode tree) {
        try {
            return reader.readValue(tree);
        } catch (UnrecognizedPropertyException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), "unknown field")));
        } catch (InvalidFormatException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), expected(e))));
        } catch (MismatchedInputException e) {
            throw RequestProblem.invalidFields(List.of(new FieldError(path(e), expected(e))));
        } catch (JsonMappingException e) {
            throw RequestProblem.invalidFields(
                    List.of(new FieldError(path(e), withoutJavaNames(e.getOriginalMessage()))));
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

    /** One item of a batch as read: a valid request, or the problem the single endpoint would answer for it. */
    public sealed interface BatchItem {
        /**
         * A valid request.
         *
         * @param request the request as sent
         * @param documentBytes how many bytes its JSON takes in the batch document
         */
        record Read(InvocationRequest request, int documentBytes) implements BatchItem {}

        /**
         * An invalid request, refused on its own.
         *
         * @param problem why
         */
        record Refused(RequestProblem problem) implements BatchItem {}
    }
}
