package dev.courier.common.request;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.common.validation.ValidInvocationRequest;

/**
 * An invocation request, wire format version 1 (SPEC section 2): "call this target with this body, query and headers,
 * at your earliest convenience or at time T; send the answer to this address".
 *
 * <p>The same JSON document is the body of {@code POST /v1/invocations} and the value of a {@code courier.requests}
 * record. Absent fields stay absent when the document is written again ({@code NON_NULL}), so the record on Kafka
 * holds exactly what the caller sent plus what the accepter assigned. Defaults are applied where the request is
 * delivered, not here. The JSON Schema is {@link #SCHEMA_RESOURCE}.
 *
 * @param id invocation id (a ULID), assigned by the accepter; a direct Kafka producer may set its own
 * @param target what to call; required
 * @param invokeType for functions: {@code sync} (default) or {@code detached}
 * @param headers headers sent to the target (hop-by-hop and Courier control headers are removed)
 * @param query query parameters added to the target URL
 * @param body the request body as a JSON value; a JSON string is sent as text when {@code contentType} is not JSON
 * @param bodyBase64 the request body as base64, for binary bodies; excludes {@code body}
 * @param bodyRef the request body stored out of band (a claim check), for bodies too large for a Kafka record; excludes
 *     {@code body} and {@code bodyBase64}. Set by the accepter (a direct Kafka producer may set its own)
 * @param contentType media type of the body
 * @param callback where the target's response is forwarded
 * @param correlationId conversation id propagated to the target, the callback and the records
 * @param deliverAt never deliver before this instant (at most 30 days ahead); excludes {@code delaySeconds}
 * @param delaySeconds never deliver before acceptance plus this many seconds; excludes {@code deliverAt}
 * @param expiresAt give up if not delivered by this instant; excludes {@code maxAgeSeconds}
 * @param maxAgeSeconds give up if not delivered this many seconds after acceptance; excludes {@code expiresAt}
 * @param timeoutSeconds per-attempt timeout, 1 to 3600 seconds (default 30)
 * @param retry per-request retry policy, bounded by the server's maximums
 * @param orderingKey requests with the same key are delivered one at a time, in order; also the Kafka record key
 * @param idempotencyKey same key within the idempotency window means the same invocation
 * @param recordResponse true: the invocation record carries the target's response body and content type (up to the
 *     listener's {@code record-response-max-bytes}), for whoever reads the records; what the accepter sets for a
 *     caller that waits for the answer ({@code Prefer: wait})
 * @param replayOf the invocation this one replays ({@code POST /v1/replays}): the id of the failed invocation whose
 *     request it repeats under a new id; set by the accepter's replay (a direct Kafka producer may set its own)
 * @param tenant the tenant the invocation belongs to, set by the accepter from the caller's credential (a caller's own
 *     is refused); absent: the default tenant (requests from before tenants existed, direct producers that name none)
 */
@ValidInvocationRequest
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InvocationRequest(
        @Pattern(regexp = ID_PATTERN, message = "must be 1 to 128 characters from [0-9A-Za-z._~:-]") String id,
        @NotNull @Valid Target target,
        InvokeType invokeType,
        Map<String, String> headers,
        Map<String, List<String>> query,
        JsonNode body,
        String bodyBase64,
        @Valid BodyReference bodyRef,
        @Size(max = 255) String contentType,
        @Valid Callback callback,
        @Size(max = 255) String correlationId,
        Instant deliverAt,
        @PositiveOrZero @Max(MAX_DEFERRAL_SECONDS) Long delaySeconds,
        Instant expiresAt,
        @Positive Long maxAgeSeconds,
        @Min(1) @Max(3600) Integer timeoutSeconds,
        @Valid RetryPolicy retry,
        @Size(min = 1, max = 255) String orderingKey,
        @Size(min = 1, max = 255) String idempotencyKey,
        Boolean recordResponse,
        @Pattern(regexp = ID_PATTERN, message = "must be 1 to 128 characters from [0-9A-Za-z._~:-]") String replayOf,
        @Pattern(
                        regexp = TENANT_PATTERN,
                        message = "must be 1 to 64 characters from [A-Za-z0-9._-], beginning with a letter or digit")
                String tenant) {

    /** Classpath location of this document's JSON Schema (draft 2020-12). */
    public static final String SCHEMA_RESOURCE = "/schema/invocation-request.v1.schema.json";

    /** The furthest ahead a delivery may be deferred: 30 days. */
    public static final long MAX_DEFERRAL_SECONDS = 30L * 24 * 60 * 60;

    /** What an id may look like: safe in a URL path, a header and a Kafka key. */
    public static final String ID_PATTERN = "^[0-9A-Za-z._~:-]{1,128}$";
    /** What a tenant name may look like (the same rule as the security module's {@code Caller.TENANT}). */
    public static final String TENANT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    /** The per-attempt timeout when the request names none. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;

    /** This request with {@code id} set. */
    public InvocationRequest withId(String id) {
        return copy(copy -> copy.id = id);
    }

    /** This request with {@code correlationId} set. */
    public InvocationRequest withCorrelationId(String correlationId) {
        return copy(copy -> copy.correlationId = correlationId);
    }

    /** This request with {@code headers} as its headers and {@code callback} as its callback. */
    public InvocationRequest withHeaders(Map<String, String> headers, Callback callback) {
        return copy(copy -> {
            copy.headers = headers;
            copy.callback = callback;
        });
    }

    /**
     * This request with its body given as {@code body}, {@code bodyBase64} or {@code bodyRef} (at most one of them is
     * not null): how a body moves out of band and back.
     */
    public InvocationRequest withBody(JsonNode body, String bodyBase64, BodyReference bodyRef) {
        return copy(copy -> {
            copy.body = body;
            copy.bodyBase64 = bodyBase64;
            copy.bodyRef = bodyRef;
        });
    }

    /** This request with {@code recordResponse} set. */
    public InvocationRequest withRecordResponse(boolean recordResponse) {
        return copy(copy -> copy.recordResponse = recordResponse);
    }

    /** This request with {@code target} as its target. */
    public InvocationRequest withTarget(Target target) {
        return copy(copy -> copy.target = target);
    }

    /**
     * This request as a replay of invocation {@code replayOf}: with that link, {@code idempotencyKey} as its key, and
     * the given absolute times in place of its own {@code deliverAt} and {@code expiresAt} (null for none).
     */
    public InvocationRequest asReplayOf(String replayOf, String idempotencyKey, Instant deliverAt, Instant expiresAt) {
        return copy(copy -> {
            copy.replayOf = replayOf;
            copy.idempotencyKey = idempotencyKey;
            copy.deliverAt = deliverAt;
            copy.expiresAt = expiresAt;
        });
    }

    /** This request with {@code tenant} set. */
    public InvocationRequest withTenant(String tenant) {
        return copy(copy -> copy.tenant = tenant);
    }

    /** This request with what {@code change} sets on a copy of its fields: the one place the copies are built. */
    private InvocationRequest copy(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /**
     * The fields of a request, to change some and build another: a plain holder, not part of the wire format (Jackson
     * writes and reads the record's components only).
     */
    private static final class Copy {
        String id;
        Target target;
        InvokeType invokeType;
        Map<String, String> headers;
        Map<String, List<String>> query;
        JsonNode body;
        String bodyBase64;
        BodyReference bodyRef;
        String contentType;
        Callback callback;
        String correlationId;
        Instant deliverAt;
        Long delaySeconds;
        Instant expiresAt;
        Long maxAgeSeconds;
        Integer timeoutSeconds;
        RetryPolicy retry;
        String orderingKey;
        String idempotencyKey;
        Boolean recordResponse;
        String replayOf;
        String tenant;

        Copy(InvocationRequest from) {
            id = from.id;
            target = from.target;
            invokeType = from.invokeType;
            headers = from.headers;
            query = from.query;
            body = from.body;
            bodyBase64 = from.bodyBase64;
            bodyRef = from.bodyRef;
            contentType = from.contentType;
            callback = from.callback;
            correlationId = from.correlationId;
            deliverAt = from.deliverAt;
            delaySeconds = from.delaySeconds;
            expiresAt = from.expiresAt;
            maxAgeSeconds = from.maxAgeSeconds;
            timeoutSeconds = from.timeoutSeconds;
            retry = from.retry;
            orderingKey = from.orderingKey;
            idempotencyKey = from.idempotencyKey;
            recordResponse = from.recordResponse;
            replayOf = from.replayOf;
            tenant = from.tenant;
        }

        InvocationRequest build() {
            return new InvocationRequest(
                    id,
                    target,
                    invokeType,
                    headers,
                    query,
                    body,
                    bodyBase64,
                    bodyRef,
                    contentType,
                    callback,
                    correlationId,
                    deliverAt,
                    delaySeconds,
                    expiresAt,
                    maxAgeSeconds,
                    timeoutSeconds,
                    retry,
                    orderingKey,
                    idempotencyKey,
                    recordResponse,
                    replayOf,
                    tenant);
        }
    }

    /** The Kafka record key: the ordering key when there is one, so that a key's requests share a partition. */
    public String recordKey() {
        return orderingKey != null ? orderingKey : id;
    }

    /** The correlation id to propagate: the given one, else the invocation id. */
    public String effectiveCorrelationId() {
        return correlationId != null ? correlationId : id;
    }

    /** The per-attempt timeout in seconds. */
    public int effectiveTimeoutSeconds() {
        return timeoutSeconds != null ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
    }
}
