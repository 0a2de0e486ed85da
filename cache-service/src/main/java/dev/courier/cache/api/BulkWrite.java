package dev.courier.cache.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /v1/cache/{namespace}}: many writes to one namespace in one call, each decided on its own exactly as the
 * same {@code PUT} would be (its own precondition, its own answer), appended together so that they share the change
 * log producer's batches. The whole call is refused (400, naming the field, nothing written) when any write is
 * malformed; otherwise it answers 200 with one result per write, in order.
 *
 * @param writes the writes, 1 to {@value CacheResource#MAX_BULK_WRITES}
 */
public record BulkWrite(List<Write> writes) {

    /**
     * One write.
     *
     * @param key the key
     * @param value the value as UTF-8 text; or
     * @param valueBase64 the value's bytes in base64 (exactly one of the two)
     * @param contentType the value's media type (default {@code application/octet-stream})
     * @param ttlSeconds seconds until the value expires (1 to 31622400), or null for none
     * @param ifMatch write only if the current version is this ETag, as {@code If-Match}
     * @param ifNoneMatch {@code *}: write only if there is no (unexpired) value, as {@code If-None-Match}
     */
    public record Write(
            String key,
            String value,
            String valueBase64,
            String contentType,
            Long ttlSeconds,
            String ifMatch,
            String ifNoneMatch) {}

    /**
     * What the writes became, in the order they were sent.
     *
     * @param results one per write
     */
    public record Results(List<Result> results) {}

    /**
     * What one write became: the status the same {@code PUT} would have answered.
     *
     * @param key the write's key
     * @param status 201 created, 200 replaced, 412 precondition failed, 409 namespace full, 503 not decided in time
     * @param etag the new version (on 201 and 200)
     * @param token the write's {@code Courier-Cache-Token} (when it was appended)
     * @param type the problem type of a refused write ({@code precondition-failed}, ...)
     * @param detail what went wrong, for a refused write
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String key, int status, String etag, String token, String type, String detail) {}
}
