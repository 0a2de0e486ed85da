package dev.courier.accepter.intake;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.cloudevents.BinaryCloudEvent;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.wait.WaitPreference;
import dev.courier.accepter.wait.WaitingAcceptor;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.request.InvocationRequest;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /v1/invocations}: accept an invocation request (SPEC section 3), as a JSON document or as the data of a
 * binary-mode CloudEvent ({@link BinaryCloudEvent}).
 */
@Path("/v1/invocations")
public class InvocationResource {
    private final RequestReader reader;
    private final RequestAcceptor acceptor;
    private final WaitingAcceptor answers;
    private final int maxRequestBytes;

    public InvocationResource(
            RequestReader reader, RequestAcceptor acceptor, WaitingAcceptor answers, AccepterConfig config) {
        this.reader = reader;
        this.acceptor = acceptor;
        this.answers = answers;
        this.maxRequestBytes = config.maxRequestBytes();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Accept an invocation request; answered once Kafka has it durably")
    @APIResponse(
            responseCode = "200",
            description = "With Prefer: wait=N, the invocation ended within N s: the target's response body and"
                    + " Content-Type, Courier-Condition and Courier-Status saying how it ended")
    @APIResponse(
            responseCode = "202",
            description = "Stored; delivery will follow",
            content = @Content(schema = @Schema(implementation = Acceptance.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "413", description = "Request or body over the configured limit")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(responseCode = "409", description = "A request with the same Idempotency-Key is being accepted")
    @APIResponse(
            responseCode = "422",
            description = "Invalid field(s), each named",
            content =
                    @Content(mediaType = CourierHeaders.PROBLEM_JSON, schema = @Schema(implementation = Problem.class)))
    @APIResponse(
            responseCode = "503",
            description = "Kafka did not acknowledge in time, or a large body could not be stored; NOT accepted")
    public CompletionStage<Response> accept(
            // Read as bytes (RequestReader's strict two-phase parsing), documented as the request it must be.
            @RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = InvocationRequest.class)))
                    byte[] body,
            @Context HttpHeaders headers) {
        // A chunked body has no Content-Length for BodyLimitFilter to check; its size is known only now.
        if (body != null && body.length > maxRequestBytes) {
            throw RequestProblem.tooLarge(maxRequestBytes);
        }
        // A binary-mode CloudEvent: ce-* headers, the body its data. Read before the body, so a bad one is named.
        Optional<BinaryCloudEvent> event = BinaryCloudEvent.of(headers);
        InvocationRequest toStore = acceptor.admit(reader.read(body), Correlation.fromHeaders(headers));
        String idempotencyKey = toStore.idempotencyKey() != null
                ? toStore.idempotencyKey()
                : headers.getHeaderString(CourierHeaders.IDEMPOTENCY_KEY);
        if (idempotencyKey == null && event.isPresent()) {
            // CloudEvents: the same source and id is the same event, so the same invocation.
            idempotencyKey = event.get().idempotencyKey();
        }
        // 202, or with Prefer: wait=N the invocation's outcome if it ends within N seconds (WaitingAcceptor).
        return answers.accept(
                new RequestAcceptor.Submission(toStore, idempotencyKey, body.length),
                headers.getRequestHeader(WaitPreference.PREFER));
    }
}
