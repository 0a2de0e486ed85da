package dev.courier.common.record;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.Target;

/**
 * The record of one finished invocation, written to {@code courier.results} on success and {@code courier.failures}
 * otherwise (SPEC section 5).
 *
 * <p>{@code id}, {@code version} and {@code data} are OCI Functions' detached-mode invocation record, field for field
 * (nulls included), so consumers of OCI success and failure destinations read it unchanged; {@code courier} adds what
 * Courier knows beyond that.
 *
 * @param id id of this record (a ULID), not of the invocation
 * @param version record format version, {@value #VERSION}
 * @param data OCI's part
 * @param courier Courier's part
 */
public record InvocationRecord(String id, String version, Data data, Delivery courier) {

    /** The OCI record format version this record follows. */
    public static final String VERSION = "1.0";

    /**
     * OCI's {@code data} object.
     *
     * @param compartmentId the function's compartment, when known
     * @param functionId the function OCID, for function targets
     * @param applicationId the function's application, when known
     * @param request the call's ids
     * @param response how the call ended
     */
    public record Data(
            String compartmentId, String functionId, String applicationId, CallIds request, Response response) {}

    /**
     * OCI's {@code data.request} object.
     *
     * @param opcRequestId the correlation id
     * @param fnCallId the invocation id
     */
    public record CallIds(String opcRequestId, String fnCallId) {}

    /**
     * OCI's {@code data.response} object.
     *
     * @param status the target's HTTP status as a string, or null when no response was received
     * @param errorCode a code naming the failure, null on success
     * @param errorMessage the failure in words, null on success
     * @param timestamp when the outcome was decided
     */
    public record Response(String status, String errorCode, String errorMessage, Instant timestamp) {}

    /**
     * Courier's {@code courier} object.
     *
     * @param invocationId the invocation id
     * @param condition how the invocation ended
     * @param attempts how many calls were made to the target
     * @param target what was called (absent when the request could not be read)
     * @param acceptedAt when the request was accepted (the Kafka record's timestamp)
     * @param completedAt when the outcome was decided
     * @param durationMs from acceptance to outcome
     * @param callback how forwarding the response to the callback address went, when there was one
     * @param source where the request record was read, for records that could not be read as a request
     * @param payloadBase64 the unreadable record's value, so that a rejected record is kept, not dropped
     * @param handedOff true when the target took the call over to run it later on its own: a detached OCI Functions
     *     invocation that OCI accepted (202). {@code Success} then means accepted, not run; absent otherwise
     * @param response the target's last answer, for a request that asked for it ({@code recordResponse}) and was
     *     answered; absent otherwise
     * @param replayOf the invocation this one replayed ({@code POST /v1/replays}), for a replay; absent otherwise
     * @param request the request as it was stored (sensitive header values sealed, a large body by reference), on
     *     the failures topic only, so that the invocation can be replayed; absent on {@code Success} records, for a
     *     record that could not be read as a request (see {@code payloadBase64}), and for a request longer than the
     *     listener keeps in a record
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delivery(
            String invocationId,
            Condition condition,
            int attempts,
            Target target,
            Instant acceptedAt,
            Instant completedAt,
            Long durationMs,
            CallbackOutcome callback,
            Source source,
            String payloadBase64,
            Boolean handedOff,
            TargetResponse response,
            String replayOf,
            InvocationRequest request) {}

    /**
     * The target's answer, kept in the record for a request with {@code recordResponse}; its status is
     * {@code data.response.status}.
     *
     * @param contentType the response's media type, null when it named none
     * @param bodyBase64 the response body, base64; empty for none
     * @param truncated true when the body was longer than the listener keeps in a record and has been cut; absent
     *     otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TargetResponse(String contentType, String bodyBase64, Boolean truncated) {}

    /**
     * The outcome of forwarding a response to the callback address.
     *
     * @param status the callback endpoint's HTTP status, null when none was received
     * @param error what went wrong, null on success
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CallbackOutcome(Integer status, String error) {}

    /**
     * The position of a Kafka record.
     *
     * @param topic topic name
     * @param partition partition number
     * @param offset offset within the partition
     */
    public record Source(String topic, int partition, long offset) {}
}
