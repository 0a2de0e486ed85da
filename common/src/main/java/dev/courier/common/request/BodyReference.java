package dev.courier.common.request;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A request body kept out of band (a claim check): too large for a Kafka record (OCI Streaming's limit is 1 MB), it
 * is stored as an object and the record carries this reference instead of {@code body} or {@code bodyBase64}. The
 * listener fetches the object before each attempt, checks it against {@code sha256}, and deletes it once the
 * invocation has ended.
 *
 * @param object the object's name in the object store (segments of {@code [A-Za-z0-9._~:-]} separated by {@code /},
 *     none starting with a dot)
 * @param sha256 the SHA-256 of the object's bytes, lowercase hex
 * @param size the object's length in bytes
 * @param format what the object's bytes are: a JSON value (stands for {@code body}) or raw bytes (stands for
 *     {@code bodyBase64})
 */
public record BodyReference(
        @NotNull @Size(max = 1024) @Pattern(regexp = OBJECT_PATTERN, message = OBJECT_RULE) String object,
        @NotNull @Pattern(regexp = "^[0-9a-f]{64}$", message = "must be 64 lowercase hex digits") String sha256,
        @NotNull @PositiveOrZero Long size,
        @NotNull Format format) {

    /** What an object name may look like: safe as a path below a directory and as an Object Storage name. */
    public static final String OBJECT_PATTERN =
            "^[A-Za-z0-9_~:-][A-Za-z0-9._~:-]*(/[A-Za-z0-9_~:-][A-Za-z0-9._~:-]*)*$";

    private static final String OBJECT_RULE =
            "must be segments of [A-Za-z0-9._~:-] separated by /, none empty or starting with a dot";

    /** What the stored bytes of a body are. */
    public enum Format {
        /** A JSON value, UTF-8: the request's {@code body}. */
        @JsonProperty("json")
        JSON,
        /** Raw bytes: the decoded {@code bodyBase64}. */
        @JsonProperty("binary")
        BINARY
    }
}
