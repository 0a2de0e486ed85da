package dev.courier.listener.consume;

import java.io.IOException;
import java.util.Base64;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.courier.common.id.Ulid;
import dev.courier.common.request.InvocationRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reads a {@code courier.requests} record as an invocation request, from any producer: the plain JSON document, or a
 * CloudEvent whose {@code data} is that document (structured mode, or binary mode with {@code ce_*} headers).
 *
 * <p>Reading is lenient about fields it does not know (a newer producer may add some) and strict about everything
 * else: a record that is not JSON or fails validation is {@link Decoded.Invalid}, with the reason.
 */
@ApplicationScoped
public class RequestDecoder {
    private final ObjectMapper mapper;
    private final ObjectReader reader;
    private final Validator validator;

    public RequestDecoder(ObjectMapper mapper, Validator validator) {
        this.mapper = mapper;
        this.reader =
                mapper.readerFor(InvocationRequest.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.validator = validator;
    }

    /** The request in {@code record}, with its id (derived from the record's position if the producer set none). */
    public Decoded decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null || record.value().length == 0) {
            return new Decoded.Invalid("the record has no value");
        }
        InvocationRequest request;
        try {
            JsonNode document = document(record);
            if (document == null || !document.isObject()) {
                return new Decoded.Invalid("the record's value is not a JSON object");
            }
            request = reader.readValue(document);
        } catch (JsonProcessingException e) {
            return new Decoded.Invalid("not a valid invocation request: " + e.getOriginalMessage());
        } catch (IOException | IllegalArgumentException e) {
            return new Decoded.Invalid("not a valid invocation request: " + e.getMessage());
        }
        if (request.id() == null) {
            request = request.withId(Ulid.derived(
                    record.timestamp(), record.topic() + "/" + record.partition() + "/" + record.offset()));
        }
        Set<ConstraintViolation<InvocationRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            return new Decoded.Invalid("invalid field(s): "
                    + violations.stream()
                            .map(v -> v.getPropertyPath() + " " + v.getMessage())
                            .sorted(Comparator.naturalOrder())
                            .collect(Collectors.joining("; ")));
        }
        return new Decoded.Valid(request);
    }

    /** The invocation request document, unwrapped from a CloudEvent if it is one. */
    private JsonNode document(ConsumerRecord<String, byte[]> record) throws IOException {
        Header binaryMode = record.headers().lastHeader("ce_specversion");
        JsonNode value = mapper.readTree(record.value());
        if (binaryMode != null) {
            return value; // binary mode: the value is the event's data
        }
        if (value != null && value.isObject() && value.has("specversion")) {
            if (value.hasNonNull("data_base64")) {
                return mapper.readTree(
                        Base64.getDecoder().decode(value.get("data_base64").asText()));
            }
            return value.get("data");
        }
        return value;
    }

    /** What a record turned out to be. */
    public sealed interface Decoded {
        /**
         * A valid request.
         *
         * @param request the request, with its id
         */
        record Valid(InvocationRequest request) implements Decoded {}

        /**
         * Not a valid request.
         *
         * @param reason why, in words
         */
        record Invalid(String reason) implements Decoded {}
    }
}
