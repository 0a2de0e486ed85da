package dev.courier.common.http;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document, the body of every error response ({@code application/problem+json}).
 *
 * @param type URI naming the kind of problem
 * @param title short summary of the kind of problem
 * @param status the HTTP status
 * @param detail what went wrong with this request, in words
 * @param instance the request path
 * @param correlationId the conversation id of the request, for support and logs
 * @param errors one entry per invalid field, when the problem is invalid input
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        String instance,
        String correlationId,
        List<FieldError> errors) {

    /**
     * One invalid field.
     *
     * @param field path of the field in the request document, e.g. {@code target.url}
     * @param message what is wrong with it
     */
    public record FieldError(String field, String message) {}
}
