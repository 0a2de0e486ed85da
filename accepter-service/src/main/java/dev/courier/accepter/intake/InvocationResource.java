package dev.courier.accepter.intake;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.id.Ulid;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.status.InvocationStatus;
import dev.courier.oci.storage.ClaimCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/** {@code POST /v1/invocations}: accept an invocation request (SPEC section 3). */
@Path("/v1/invocations")
public class InvocationResource {
    private static final Logger LOG = Logger.getLogger(InvocationResource.class);
    private final RequestReader reader;
    private final RequestPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final ClaimCheck claimCheck;
    private final int maxRequestBytes;
    private final int maxBodyBytes;
    private final Counter accepted;

    public InvocationResource(
            RequestReader reader,
            RequestPublisher publisher,
            IdempotencyKeys idempotency,
            ClaimCheck claimCheck,
            AccepterConfig config,
            MeterRegistry registry) {
        this.reader = reader;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.claimCheck = claimCheck;
        this.maxRequestBytes = config.maxRequestBytes();
        this.maxBodyBytes = config.maxBodyBytes();
        this.accepted = Counter.builder("courier.accepted.requests")
                .description("Invocation requests durably stored in Kafka and answered 202")
                .register(registry);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Accept an invocation request; answered once Kafka has it durably")
    @APIResponse(responseCode = "202", description = "Stored; delivery will follow")
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "413", description = "Request or body over the configured limit")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(responseCode = "409", description = "A request with the same Idempotency-Key is being accepted")
    @APIResponse(responseCode = "422", description = "Invalid field(s), each named")
    @APIResponse(
            responseCode = "503",
            description = "Kafka did not acknowledge in time, or a large body could not be stored; NOT accepted")
    public CompletionStage<Response> accept(byte[] body, @Context HttpHeaders headers) {
        // A chunked body has no Content-Length for BodyLimitFilter to check; its size is known only now.
        if (body != null && body.length > maxRequestBytes) {
            throw RequestProblem.tooLarge(maxRequestBytes);
        }
        InvocationRequest request = reader.read(body);
        if (request.id() != null) {
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "id", "is assigned by Courier; use idempotencyKey to make a retried request harmless")));
        }
        if (request.bodyRef() != null) {
            // A caller must not name a stored object: it could be another invocation's body.
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "bodyRef", "is set by Courier for a large body; send the body as body or bodyBase64")));
        }
        InvocationRequest toStore = request.withId(Ulid.next());
        if (toStore.correlationId() == null) {
            String fromHeaders = Correlation.fromHeaders(headers);
            if (fromHeaders != null) {
                toStore = toStore.withCorrelationId(fromHeaders);
            }
        }
        String idempotencyKey = toStore.idempotencyKey() != null
                ? toStore.idempotencyKey()
                : headers.getHeaderString(CourierHeaders.IDEMPOTENCY_KEY);
        int documentBytes = body.length;
        if (idempotencyKey == null) {
            return publish(toStore, documentBytes);
        }
        InvocationRequest claimed = toStore;
        return idempotency
                .claim(IdempotencyKeys.DEFAULT_TENANT, idempotencyKey, toStore.id())
                .thenCompose(claim -> {
                    if (claim instanceof IdempotencyKeys.Claim.Duplicate duplicate) {
                        if (!duplicate.accepted()) {
                            throw RequestProblem.conflict(
                                    "a request with this Idempotency-Key is still being accepted; send it again");
                        }
                        return CompletableFuture.completedFuture(acceptance(duplicate.id()));
                    }
                    IdempotencyKeys.Claim.Claimed mine = (IdempotencyKeys.Claim.Claimed) claim;
                    return publish(claimed, documentBytes)
                            .thenCompose(response -> idempotency.accepted(mine).thenApply(done -> response))
                            .exceptionallyCompose(
                                    error -> idempotency.release(mine).handle((released, ignored) -> {
                                        throw error instanceof CompletionException
                                                ? (CompletionException) error
                                                : new CompletionException(error);
                                    }));
                });
    }

    /**
     * Checks a large body in (stores it and puts a reference in its place), then publishes the request. A request whose
     * whole document is within the claim check's threshold has a body within it too, and is published as it is.
     */
    private CompletionStage<Response> publish(InvocationRequest toStore, int documentBytes) {
        CompletionStage<InvocationRequest> recorded = documentBytes > claimCheck.threshold()
                ? claimCheck.checkIn(toStore, maxBodyBytes).exceptionally(error -> {
                    throw new CompletionException(notStored(error));
                })
                : CompletableFuture.completedFuture(toStore);
        return recorded.thenCompose(request -> publisher.publish(request).handle((metadata, error) -> {
            if (error != null) {
                if (request.bodyRef() != null) {
                    // Not accepted, so never delivered: nothing will release the stored body but this.
                    claimCheck.release(request.bodyRef());
                }
                throw new CompletionException(notAccepted(error));
            }
            accepted.increment();
            return acceptance(request.id());
        }));
    }

    private static Response acceptance(String id) {
        String statusUrl = "/v1/invocations/" + id;
        return Response.accepted(new Acceptance(id, InvocationStatus.ACCEPTED, statusUrl))
                .header(HttpHeaders.LOCATION, statusUrl)
                .build();
    }

    /** Why a request whose large body could not be stored is refused. */
    private static RequestProblem notStored(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ClaimCheck.BodyTooLargeException tooLarge) {
            return RequestProblem.bodyTooLarge(tooLarge.field(), tooLarge.limit());
        }
        LOG.warnf("a large body could not be stored, the request was refused: %s", cause.toString());
        return RequestProblem.unavailable(
                "the request body could not be stored; it was not accepted and can be sent again");
    }

    /** Why a request that Kafka did not acknowledge is refused; none of these is a 202. */
    private RequestProblem notAccepted(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RecordTooLargeException) {
            return RequestProblem.tooLarge(maxRequestBytes);
        }
        if (cause instanceof TimeoutException) {
            return RequestProblem.unavailable("Kafka did not acknowledge the request within "
                    + publisher.timeout().toMillis()
                    + " ms; it was not accepted and can be sent again");
        }
        return RequestProblem.unavailable(
                "Kafka refused the request (" + cause.getClass().getSimpleName() + "); it was not accepted");
    }
}
