package dev.courier.accepter.intake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.tenancy.TenantPolicies;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.id.Ulid;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.status.InvocationStatus;
import dev.courier.oci.storage.ClaimCheck;
import dev.courier.security.AccessGate;
import dev.courier.security.CurrentCaller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.jboss.logging.Logger;

/**
 * Accepts read, valid requests, one or a batch of them: the one place where a request gets its id, correlation id and
 * tenant (the caller's), is held to its tenant's policy, claims its idempotency key (per tenant), has a large body
 * checked in, is published, and is counted. Both endpoints
 * ({@link InvocationResource}, {@link InvocationBatchResource}) come through here.
 *
 * <p>Invariant: a stage returned here completes with an {@link Acceptance} only once Kafka acknowledged the request's
 * record (or, for a duplicate idempotency key, the first request's); otherwise it fails with a {@link RequestProblem}
 * saying why it was not accepted.
 */
@ApplicationScoped
public class RequestAcceptor {
    private static final Logger LOG = Logger.getLogger(RequestAcceptor.class);

    private final RequestPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final ClaimCheck claimCheck;
    private final int maxRequestBytes;
    private final int maxBodyBytes;
    private final Counter accepted;
    private final SealedHeaders sealing;
    private final CurrentCaller caller;
    private final TenantPolicies policies;
    private final String defaultTenant;

    public RequestAcceptor(
            RequestPublisher publisher,
            IdempotencyKeys idempotency,
            ClaimCheck claimCheck,
            SealedHeaders sealing,
            AccepterConfig config,
            MeterRegistry registry,
            CurrentCaller caller,
            TenantPolicies policies,
            AccessGate gate) {
        this.caller = caller;
        this.policies = policies;
        this.defaultTenant = gate.defaultTenant();
        this.publisher = publisher;
        this.sealing = sealing;
        this.idempotency = idempotency;
        this.claimCheck = claimCheck;
        this.maxRequestBytes = config.maxRequestBytes();
        this.maxBodyBytes = config.maxBodyBytes();
        this.accepted = Counter.builder("courier.accepted.requests")
                .description("Invocation requests durably stored in Kafka and answered 202")
                .register(registry);
    }

    /**
     * A request as it is to be stored: with a fresh id, and with {@code headerCorrelationId} (the caller's, from
     * {@link Correlation#fromHeaders}, or null) as its correlation id when it names none, and the caller's tenant. A
     * request bringing a field that only Courier sets is a 422, and so is one with a sensitive header when there is no
     * key to seal it with; one whose target is outside its tenant's policy is a 403.
     */
    public InvocationRequest admit(InvocationRequest request, String headerCorrelationId) {
        return admit(request, headerCorrelationId, caller.get().tenant());
    }

    /**
     * {@link #admit(InvocationRequest, String)} for {@code tenant} rather than the caller of the request being
     * handled: for what Courier submits on its own, outside any request (a schedule's fire).
     */
    public InvocationRequest admit(InvocationRequest request, String headerCorrelationId, String tenant) {
        if (request.tenant() != null) {
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "tenant", "is set by Courier from the caller's credential; a request may not name one")));
        }
        if (request.id() != null) {
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "id", "is assigned by Courier; use idempotencyKey to make a retried request harmless")));
        }
        if (request.bodyRef() != null) {
            // A caller must not name a stored object: it could be another invocation's body.
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "bodyRef", "is set by Courier for a large body; send the body as body or bodyBase64")));
        }
        if (request.replayOf() != null) {
            throw RequestProblem.invalidFields(List.of(new FieldError(
                    "replayOf", "is set by Courier for a replay; replay failed invocations with POST /v1/replays")));
        }
        if (!sealing.canSeal()) {
            List<String> sensitive = sealing.toSeal(request);
            if (!sensitive.isEmpty()) {
                throw RequestProblem.invalidFields(sensitive.stream()
                        .map(field -> new FieldError(
                                field,
                                "is sensitive and is only stored encrypted, and this service has no key to encrypt"
                                        + " it (courier.accepter.header-encryption.keys)"))
                        .toList());
            }
        }
        policies.checkTarget(request, tenant);
        // The default tenant's requests name none: their records are exactly what they were before tenants existed.
        InvocationRequest toStore =
                request.withId(Ulid.next()).withTenant(tenant.equals(defaultTenant) ? null : tenant);
        return toStore.correlationId() == null && headerCorrelationId != null
                ? toStore.withCorrelationId(headerCorrelationId)
                : toStore;
    }

    /** The tenant of requests that name none. */
    public String defaultTenant() {
        return defaultTenant;
    }

    /** Accepts one submission; see {@link #acceptAll}. */
    public CompletionStage<Acceptance> accept(Submission submission) {
        return acceptAll(List.of(submission)).get(0);
    }

    /**
     * Accepts every submission, each on its own: one stage per submission, in order, each failing alone. First every
     * submission is prepared (held to its tenant's policy, its idempotency key claimed, its large body checked in; the
     * keys of all of them in one call to cache-service), then the records of all that are ready are handed to the
     * producer at once and in order, so that they share its batches and requests with the same ordering key keep their
     * order; once every record is acknowledged or refused, the keys of the stored ones are marked accepted, again in
     * one call. Each stage completes when its own record is acknowledged and its key marked.
     */
    public List<CompletionStage<Acceptance>> acceptAll(List<Submission> submissions) {
        List<CompletableFuture<Prepared>> preparations = prepareAll(submissions);
        // Waits for every preparation, whatever its outcome, then publishes the ready ones together.
        CompletableFuture<List<CompletionStage<RecordMetadata>>> published = CompletableFuture.allOf(
                        preparations.toArray(CompletableFuture[]::new))
                .handle((all, someFailed) -> publishReady(preparations));
        // Never fails: a key left unmarked is resolved by its next duplicate (IdempotencyKeys).
        CompletableFuture<Void> marked = published
                .thenCompose(acknowledgements -> markStored(preparations, acknowledgements))
                .exceptionally(error -> null);
        List<CompletionStage<Acceptance>> results = new ArrayList<>(submissions.size());
        for (int i = 0; i < submissions.size(); i++) {
            int index = i;
            results.add(preparations.get(i).thenCompose(prepared -> {
                if (prepared instanceof Prepared.Duplicate duplicate) {
                    return CompletableFuture.completedFuture(acceptance(duplicate.id()));
                }
                Prepared.Ready ready = (Prepared.Ready) prepared;
                return published
                        .thenCompose(acknowledgements -> acknowledgements.get(index))
                        .handle((metadata, error) -> error)
                        .thenCompose(error -> recorded(ready, error, marked));
            }));
        }
        return results;
    }

    /**
     * Every submission's preparation, in order. Each is held to its tenant's policy first, so that a request refused
     * for anything else takes no token of the tenant's rate; then the keys of the admitted ones are claimed together.
     */
    private List<CompletableFuture<Prepared>> prepareAll(List<Submission> submissions) {
        List<RequestProblem> refusals = new ArrayList<>(Collections.nCopies(submissions.size(), null));
        List<IdempotencyKeys.KeyClaim> keys = new ArrayList<>();
        for (int i = 0; i < submissions.size(); i++) {
            Submission submission = submissions.get(i);
            String tenant = tenant(submission);
            try {
                policies.admit(tenant, submission.documentBytes());
            } catch (RequestProblem problem) {
                refusals.set(i, problem);
                continue;
            }
            if (submission.idempotencyKey() != null) {
                keys.add(new IdempotencyKeys.KeyClaim(
                        tenant,
                        submission.idempotencyKey(),
                        submission.request().id()));
            }
        }
        List<CompletionStage<IdempotencyKeys.Claim>> claims = keys.isEmpty() ? List.of() : idempotency.claimAll(keys);
        List<CompletableFuture<Prepared>> preparations = new ArrayList<>(submissions.size());
        int claimed = 0;
        for (int i = 0; i < submissions.size(); i++) {
            Submission submission = submissions.get(i);
            if (refusals.get(i) != null) {
                preparations.add(CompletableFuture.failedFuture(refusals.get(i)));
            } else if (submission.idempotencyKey() == null) {
                preparations.add(checkIn(submission, null).toCompletableFuture());
            } else {
                preparations.add(prepare(submission, claims.get(claimed++)).toCompletableFuture());
            }
        }
        return preparations;
    }

    /**
     * The keys of the ready submissions whose records were acknowledged, marked accepted in one call, once every
     * record's fate is known.
     */
    private CompletionStage<Void> markStored(
            List<CompletableFuture<Prepared>> preparations, List<CompletionStage<RecordMetadata>> acknowledgements) {
        List<CompletableFuture<IdempotencyKeys.Claim.Claimed>> stored = new ArrayList<>();
        for (int i = 0; i < preparations.size(); i++) {
            if (acknowledgements.get(i) != null
                    && preparations.get(i).join() instanceof Prepared.Ready ready
                    && ready.claim() != null) {
                stored.add(acknowledgements
                        .get(i)
                        .toCompletableFuture()
                        .handle((metadata, error) -> error == null ? ready.claim() : null));
            }
        }
        if (stored.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new))
                .thenCompose(all -> idempotency.acceptedAll(stored.stream()
                        .map(CompletableFuture::join)
                        .filter(claim -> claim != null)
                        .toList()));
    }

    private String tenant(Submission submission) {
        return submission.request().tenant() != null ? submission.request().tenant() : defaultTenant;
    }

    /** One record per ready submission, in order; null for the others. */
    private List<CompletionStage<RecordMetadata>> publishReady(List<CompletableFuture<Prepared>> preparations) {
        List<InvocationRequest> ready = new ArrayList<>(preparations.size());
        List<Integer> indexes = new ArrayList<>(preparations.size());
        for (int i = 0; i < preparations.size(); i++) {
            if (preparations.get(i).isDone()
                    && !preparations.get(i).isCompletedExceptionally()
                    && preparations.get(i).join() instanceof Prepared.Ready readyOne) {
                ready.add(readyOne.request());
                indexes.add(i);
            }
        }
        List<CompletionStage<RecordMetadata>> acknowledgements = publisher.publishAll(ready);
        List<CompletionStage<RecordMetadata>> byIndex = new ArrayList<>(Collections.nCopies(preparations.size(), null));
        for (int j = 0; j < indexes.size(); j++) {
            byIndex.set(indexes.get(j), acknowledgements.get(j));
        }
        return byIndex;
    }

    /**
     * What has to happen before a keyed submission's record can be published, once its key's {@code claim} is known: a
     * duplicate of a request already stored is answered with that request's id; one still being accepted is a 409. A
     * body too large for a record is then checked in. A key claimed for a request that is not stored is released
     * again.
     */
    private CompletionStage<Prepared> prepare(Submission submission, CompletionStage<IdempotencyKeys.Claim> claimed) {
        return claimed.thenCompose(claim -> {
            if (claim instanceof IdempotencyKeys.Claim.Duplicate duplicate) {
                if (!duplicate.accepted()) {
                    throw RequestProblem.conflict(
                            "a request with this Idempotency-Key is still being accepted; send it again");
                }
                return CompletableFuture.completedFuture(new Prepared.Duplicate(duplicate.id()));
            }
            IdempotencyKeys.Claim.Claimed mine = (IdempotencyKeys.Claim.Claimed) claim;
            return checkIn(submission, mine)
                    .exceptionallyCompose(error -> idempotency.release(mine).handle((released, ignored) -> {
                        throw failure(error);
                    }));
        });
    }

    /**
     * Checks a large body in (stores it and puts a reference in its place). A request whose whole document is within
     * the claim check's threshold has a body within it too, and is published as it is.
     */
    private CompletionStage<Prepared> checkIn(Submission submission, IdempotencyKeys.Claim.Claimed claim) {
        if (submission.documentBytes() <= claimCheck.threshold()) {
            return CompletableFuture.completedFuture(new Prepared.Ready(submission.request(), claim));
        }
        return claimCheck.checkIn(submission.request(), maxBodyBytes).handle((request, error) -> {
            if (error != null) {
                throw new CompletionException(notStored(error));
            }
            return new Prepared.Ready(request, claim);
        });
    }

    /**
     * What Kafka's answer about a record means: accepted (the request is counted, and answered once its key is
     * {@code marked} accepted), or not, never both; a request that is not accepted releases its stored body and its
     * key.
     */
    private CompletionStage<Acceptance> recorded(Prepared.Ready ready, Throwable error, CompletionStage<Void> marked) {
        InvocationRequest request = ready.request();
        if (error != null) {
            if (request.bodyRef() != null) {
                // Not accepted, so never delivered: nothing will release the stored body but this.
                claimCheck.release(request.bodyRef());
            }
            RequestProblem problem = notAccepted(error);
            if (ready.claim() == null) {
                return CompletableFuture.failedFuture(problem);
            }
            return idempotency.release(ready.claim()).handle((released, ignored) -> {
                throw new CompletionException(problem);
            });
        }
        accepted.increment();
        if (ready.claim() == null) {
            return CompletableFuture.completedFuture(acceptance(request.id()));
        }
        return marked.thenApply(done -> acceptance(request.id()));
    }

    private static CompletionException failure(Throwable error) {
        return error instanceof CompletionException completion ? completion : new CompletionException(error);
    }

    private static Acceptance acceptance(String id) {
        return new Acceptance(id, InvocationStatus.ACCEPTED, "/v1/invocations/" + id);
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

    /**
     * A request to accept.
     *
     * @param request the request as it is to be stored ({@link #admit}ted: it has its id)
     * @param idempotencyKey its idempotency key, or null
     * @param documentBytes the length of its JSON as sent, which decides whether its body may need checking in
     */
    public record Submission(InvocationRequest request, String idempotencyKey, int documentBytes) {}

    /** A submission after its preparation: ready to publish, or a duplicate of one already stored. */
    private sealed interface Prepared {
        /** To publish; {@code claim} is its idempotency key's claim, or null. */
        record Ready(InvocationRequest request, IdempotencyKeys.Claim.Claimed claim) implements Prepared {}

        /** Its idempotency key names request {@code id}, already stored. */
        record Duplicate(String id) implements Prepared {}
    }
}
