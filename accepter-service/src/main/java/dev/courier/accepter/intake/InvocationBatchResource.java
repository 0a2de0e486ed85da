package dev.courier.accepter.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.ProblemMapper;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.http.Problem;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.request.InvocationRequest;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/invocations/batch}: accept up to {@value #MAX_REQUESTS} invocation requests in one call (SPEC section
 * 3), each exactly as {@code POST /v1/invocations} takes it, with one result per request, in order.
 *
 * <p>Each request is read, validated, given its id and correlation id, held to its idempotency key and published by
 * the same code as a single request ({@link RequestReader}, {@link RequestAcceptor}); an invalid request is refused
 * on its own with the problem document the single endpoint would answer. The answer is sent once every request's
 * outcome is known, so every request it reports accepted is acknowledged by Kafka. Statuses: 202 with the results
 * when the batch was read (whatever each request's outcome), 503 when not one request was stored because Kafka (or
 * the object store, or the idempotency keys) was unavailable: nothing was accepted, send the batch again.
 */
@Path(InvocationBatchResource.PATH)
public class InvocationBatchResource {
    /** Where batches are posted. */
    public static final String PATH = "/v1/invocations/batch";

    /** The most requests one batch may hold (SPEC section 3). */
    public static final int MAX_REQUESTS = 500;

    private static final Logger LOG = Logger.getLogger(InvocationBatchResource.class);

    private final RequestReader reader;
    private final RequestAcceptor acceptor;
    private final int maxBatchBytes;
    private final DistributionSummary batchSizes;

    public InvocationBatchResource(
            RequestReader reader, RequestAcceptor acceptor, AccepterConfig config, MeterRegistry registry) {
        this.reader = reader;
        this.acceptor = acceptor;
        this.maxBatchBytes = config.maxBatchBytes();
        this.batchSizes = DistributionSummary.builder("courier.batch.requests")
                .description("Invocation requests per POST /v1/invocations/batch that was read")
                .register(registry);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Accept up to 500 invocation requests; one result per request, in order, each answered once"
                    + " Kafka has it durably")
    @APIResponse(
            responseCode = "202",
            description = "The batch was read; each result is {index, id, status, statusUrl} (accepted) or"
                    + " {index, problem} (not accepted, with the problem the single endpoint would answer)",
            content = @Content(schema = @Schema(implementation = BatchAcceptance.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON")
    @APIResponse(responseCode = "413", description = "Batch over the configured limit")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(
            responseCode = "422",
            description = "Not {\"requests\": [...]} with 1 to 500 requests, or an Idempotency-Key header (give each"
                    + " request its idempotencyKey instead)")
    @APIResponse(responseCode = "503", description = "Not one request could be stored; NOT accepted")
    public CompletionStage<Response> accept(
            // Parsed as a stream by RequestReader.readBatch; documented as the document it must be.
            @RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema =
                                                    @Schema(
                                                            type = SchemaType.OBJECT,
                                                            required = true,
                                                            properties =
                                                                    @SchemaProperty(
                                                                            name = "requests",
                                                                            type = SchemaType.ARRAY,
                                                                            minItems = 1,
                                                                            maxItems = MAX_REQUESTS,
                                                                            implementation = InvocationRequest.class))))
                    byte[] body,
            @Context HttpHeaders headers,
            @Context UriInfo uri) {
        // A chunked body has no Content-Length for BodyLimitFilter to check; its size is known only now.
        if (body != null && body.length > maxBatchBytes) {
            throw RequestProblem.tooLarge(maxBatchBytes);
        }
        if (headers.getHeaderString(CourierHeaders.IDEMPOTENCY_KEY) != null) {
            // One key cannot stand for many invocations; ignoring it would let a retry of the batch duplicate them.
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    CourierHeaders.IDEMPOTENCY_KEY,
                    "is not supported on a batch; give each request its own idempotencyKey")));
        }
        List<RequestReader.BatchItem> items = reader.readBatch(body, MAX_REQUESTS);
        batchSizes.record(items.size());
        String headerCorrelationId = Correlation.fromHeaders(headers);

        // Admitted requests go to the acceptor together; refused ones keep their problem.
        List<RequestAcceptor.Submission> submissions = new ArrayList<>(items.size());
        List<CompletionStage<Acceptance>> outcomes = new ArrayList<>(items.size());
        List<Integer> submitted = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            outcomes.add(null);
            try {
                if (items.get(i) instanceof RequestReader.BatchItem.Refused refused) {
                    throw refused.problem();
                }
                RequestReader.BatchItem.Read read = (RequestReader.BatchItem.Read) items.get(i);
                InvocationRequest toStore = acceptor.admit(read.request(), headerCorrelationId);
                submissions.add(
                        new RequestAcceptor.Submission(toStore, toStore.idempotencyKey(), read.documentBytes()));
                submitted.add(i);
            } catch (RequestProblem problem) {
                outcomes.set(i, CompletableFuture.failedFuture(problem));
            }
        }
        List<CompletionStage<Acceptance>> accepted = acceptor.acceptAll(submissions);
        for (int j = 0; j < submitted.size(); j++) {
            outcomes.set(submitted.get(j), accepted.get(j));
        }

        // Every outcome is known (each stage handled, none fails the whole) before the answer is written.
        CompletableFuture<?>[] all = outcomes.stream()
                .map(outcome -> outcome.toCompletableFuture().handle((acceptance, error) -> null))
                .toArray(CompletableFuture[]::new);
        String correlationId = Correlation.forError(headers);
        return CompletableFuture.allOf(all).thenApply(done -> answer(outcomes, uri.getPath(), correlationId));
    }

    private Response answer(List<CompletionStage<Acceptance>> outcomes, String path, String correlationId) {
        List<BatchAcceptance.Result> results = new ArrayList<>(outcomes.size());
        int acceptedCount = 0;
        int unavailable = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            CompletableFuture<Acceptance> outcome = outcomes.get(i).toCompletableFuture();
            if (!outcome.isCompletedExceptionally()) {
                results.add(BatchAcceptance.Result.accepted(i, outcome.join()));
                acceptedCount++;
                continue;
            }
            Problem problem = problem(outcome, path + "#/requests/" + i, correlationId);
            if (problem.status() >= 500) {
                unavailable++;
            }
            results.add(BatchAcceptance.Result.refused(i, problem));
        }
        if (acceptedCount == 0 && unavailable > 0) {
            // Logged by ProblemMapper.
            throw RequestProblem.unavailable("none of the " + outcomes.size()
                    + " requests could be stored, none was accepted; send the batch again");
        }
        if (unavailable > 0) {
            LOG.warnf(
                    "%d of %d requests of a batch not accepted for lack of Kafka or storage [correlationId=%s]",
                    unavailable, outcomes.size(), correlationId);
        }
        return Response.accepted(new BatchAcceptance(acceptedCount, outcomes.size() - acceptedCount, results))
                .build();
    }

    /** The problem document a request was refused with, as the single endpoint would answer it. */
    private static Problem problem(CompletableFuture<Acceptance> outcome, String instance, String correlationId) {
        Throwable error;
        try {
            outcome.join();
            throw new IllegalStateException("not refused");
        } catch (CompletionException e) {
            error = e.getCause() != null ? e.getCause() : e;
        }
        if (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        if (error instanceof RequestProblem requestProblem) {
            return ProblemMapper.document(requestProblem, instance, correlationId);
        }
        LOG.errorf(error, "unexpected error in a batch [correlationId=%s]", correlationId);
        return ProblemMapper.internal(instance, correlationId);
    }
}
