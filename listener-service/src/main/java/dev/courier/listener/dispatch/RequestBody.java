package dev.courier.listener.dispatch;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.request.InvocationRequest;

/**
 * A request's body as any target receives it, and its media type.
 *
 * <p>The media type is {@code contentType}, else a {@code Content-Type} among the request's headers, else
 * {@code application/octet-stream} for {@code bodyBase64} and {@code application/json} for {@code body}. The bytes are
 * {@code bodyBase64} decoded; or {@code body} as JSON, except a JSON string sent as its text when the media type is
 * not a JSON one.
 *
 * @param bytes the body, or null when the request has none
 * @param contentType the body's media type, or null when there is no body and none was given
 */
record RequestBody(byte[] bytes, String contentType) {

    static RequestBody of(InvocationRequest request, ObjectMapper mapper) {
        String contentType = request.contentType();
        if (contentType == null && request.headers() != null) {
            for (Map.Entry<String, String> header : request.headers().entrySet()) {
                if (header.getKey().equalsIgnoreCase("content-type")) {
                    contentType = header.getValue();
                    break;
                }
            }
        }
        byte[] bytes = bytes(request, contentType, mapper);
        if (bytes != null && contentType == null) {
            contentType = request.bodyBase64() != null ? "application/octet-stream" : "application/json";
        }
        return new RequestBody(bytes, contentType);
    }

    /** The media type without parameters, lower case, e.g. {@code application/json}; null without one. */
    String mediaType() {
        if (contentType == null) {
            return null;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        int parameters = type.indexOf(';');
        return (parameters >= 0 ? type.substring(0, parameters) : type).trim();
    }

    private static byte[] bytes(InvocationRequest request, String contentType, ObjectMapper mapper) {
        if (request.bodyBase64() != null) {
            return Base64.getDecoder().decode(request.bodyBase64());
        }
        JsonNode body = request.body();
        if (body == null) {
            return null;
        }
        if (body.isTextual() && contentType != null && !isJson(contentType)) {
            return body.textValue().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isJson(String contentType) {
        String mediaType = new RequestBody(null, contentType).mediaType();
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }
}
