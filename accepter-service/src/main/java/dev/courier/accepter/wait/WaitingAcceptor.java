package dev.courier.accepter.wait;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.intake.Acceptance;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.request.InvocationRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

/**
 * Accepts a request through {@link RequestAcceptor} and answers it: {@code 202} as always, or, for a caller that
 * sends {@code Prefer: wait=N} (RFC 7240), the invocation's outcome when it ends within N seconds.
 *
 * <p>The contract of a waited-for answer: {@code 200} with exactly what the callback would receive (SPEC section 4),
 * the target's response body verbatim with its {@code Content-Type}, and {@code Courier-Invocation-Id},
 * {@code Courier-Condition}, {@code Courier-Status} (the target's status; absent when it never answered),
 * {@code Courier-Attempts}, {@code Courier-Correlation-Id} and, for a cut body, {@code Courier-Response-Truncated}.
 * {@code 200} means the invocation has ended, not that it succeeded: {@code Courier-Condition} says how (as AWS
 * Lambda answers a failed synchronous invocation {@code 200} with {@code X-Amz-Function-Error}). Both answers carry
 * {@code Location} and {@code Preference-Applied: wait=<seconds waited at most>}. The request is stored with
 * {@code recordResponse}, so that its invocation record carries the target's body.
 *
 * <p>Invariants: the wait begins only after Kafka acknowledged the request (the usual {@code 202} promise); a caller
 * is answered by the N-th second whatever happens; a waiter is registered, and the records are being read
 * ({@link InvocationRecordFollower#reading()}), before its request is published, so that its record cannot be written
 * before anybody reads for it.
 */
@ApplicationScoped
public class WaitingAcceptor {
    private static final Logger LOG = Logger.getLogger(WaitingAcceptor.class);

    /**
     * How long a caller may wait for the records to be read before its request is published: normally milliseconds,
     * once per quiet spell; longer only when the broker does not answer.
     */
    private static final Duration READING_TIMEOUT = Duration.ofSeconds(5);

    private final RequestAcceptor acceptor;
    private final InvocationWaiters waiters;
    private final InvocationRecordFollower follower;
    private final ObjectReader records;
    private final long maxSeconds;

    public WaitingAcceptor(
            RequestAcceptor acceptor,
            InvocationWaiters waiters,
            InvocationRecordFollower follower,
            ObjectMapper mapper,
            AccepterConfig config) {
        this.acceptor = acceptor;
        this.waiters = waiters;
        this.follower = follower;
        // Records written by a newer listener may have fields this accepter does not know: they do not matter here.
        this.records =
                mapper.readerFor(InvocationRecord.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.maxSeconds = config.waiting().max().toSeconds();
    }

    /**
     * Accepts {@code submission} and answers: {@code 202} at once, or after waiting as {@code preferHeaders} (the
     * request's {@code Prefer} headers, or null) ask. Fails as {@link RequestAcceptor#accept} fails.
     */
    public CompletionStage<Response> accept(RequestAcceptor.Submission submission, List<String> preferHeaders) {
        long seconds = Math.min(WaitPreference.seconds(preferHeaders).orElse(0), maxSeconds);
        if (seconds <= 0) {
            return acceptor.accept(submission).thenApply(acceptance -> accepted(acceptance, 0));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        InvocationRequest asking = submission.request().withRecordResponse(true);
        InvocationWaiters.Waiter waiter = waiters.register(asking.id());
        if (waiter == null) {
            LOG.debugf("too many waiting callers; %s is answered without waiting", asking.id());
            return acceptor.accept(submission).thenApply(acceptance -> accepted(acceptance, 0));
        }
        RequestAcceptor.Submission stored = new RequestAcceptor.Submission(
                asking, submission.idempotencyKey(), submission.documentBytes() + "\"recordResponse\":true,".length());
        CompletableFuture<Void> reading = follower.reading().toCompletableFuture();
        if (reading.isDone() && !reading.isCompletedExceptionally()) {
            return waitFor(stored, waiter, deadline, seconds); // the usual case under load: no hop
        }
        // The first caller after a quiet spell: the follower looks up where each partition ends (on its own thread),
        // then the request is published, back on this request's context. Not ready in time (READING_TIMEOUT, and never
        // past the caller's own wait): published and answered without waiting.
        Executor onThisContext = requestContext();
        long bound = Math.min(READING_TIMEOUT.toNanos(), deadline - System.nanoTime());
        return reading.orTimeout(bound, TimeUnit.NANOSECONDS)
                .handleAsync(
                        (ready, error) -> {
                            if (error == null) {
                                return waitFor(stored, waiter, deadline, seconds);
                            }
                            LOG.warnf(
                                    "the invocation records are not being read (%s); %s is answered without waiting",
                                    error.toString(), asking.id());
                            waiters.cancel(waiter);
                            return acceptor.accept(submission).thenApply(acceptance -> accepted(acceptance, 0));
                        },
                        onThisContext)
                .thenCompose(answer -> answer);
    }

    /** Publishes {@code stored}, whose {@code waiter} is registered and read for, then waits for its record. */
    private CompletionStage<Response> waitFor(
            RequestAcceptor.Submission stored, InvocationWaiters.Waiter waiter, long deadline, long seconds) {
        return acceptor.accept(stored)
                .whenComplete((acceptance, error) -> {
                    if (error != null) {
                        waiters.cancel(waiter);
                    }
                })
                .thenCompose(acceptance -> await(acceptance, stored.request().id(), waiter, deadline, seconds));
    }

    /** Runs tasks on the calling request's Vert.x context (its event loop, its request scope); inline without one. */
    private static Executor requestContext() {
        Context context = Vertx.currentContext();
        return context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
    }

    /** Waits for the accepted invocation's record until {@code deadline}, then answers. */
    private CompletionStage<Response> await(
            Acceptance acceptance, String storedId, InvocationWaiters.Waiter waiter, long deadline, long seconds) {
        InvocationWaiters.Waiter awaited = waiter;
        if (!acceptance.id().equals(storedId)) {
            // A duplicate idempotency key: this request was not stored; the first request's invocation is the one to
            // wait for. A record of it written before now has been missed, and then the wait ends in a 202.
            waiters.cancel(waiter);
            awaited = waiters.register(acceptance.id());
            if (awaited == null) {
                return CompletableFuture.completedFuture(accepted(acceptance, 0));
            }
        }
        InvocationWaiters.Waiter mine = awaited;
        long remaining = Math.max(0, deadline - System.nanoTime());
        return mine.record()
                .completeOnTimeout(null, remaining, TimeUnit.NANOSECONDS)
                .thenApply(record -> {
                    if (record == null) {
                        waiters.cancel(mine);
                        return accepted(acceptance, seconds);
                    }
                    return ended(acceptance, record, seconds);
                });
    }

    /** The usual {@code 202}; with {@code Preference-Applied} when the caller waited. */
    static Response accepted(Acceptance acceptance, long waited) {
        Response.ResponseBuilder response = Response.accepted(acceptance)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.LOCATION, acceptance.statusUrl());
        if (waited > 0) {
            response.header(WaitPreference.PREFERENCE_APPLIED, "wait=" + waited);
        }
        return response.build();
    }

    /** The {@code 200} for an invocation that ended with {@code recordJson}, as the callback would get it. */
    private Response ended(Acceptance acceptance, byte[] recordJson, long waited) {
        InvocationRecord record;
        byte[] body;
        try {
            record = records.readValue(recordJson);
            InvocationRecord.TargetResponse answer =
                    record.courier() == null ? null : record.courier().response();
            body = answer == null || answer.bodyBase64() == null
                    ? null
                    : Base64.getDecoder().decode(answer.bodyBase64());
        } catch (IOException | IllegalArgumentException e) {
            // Accepted all the same: the caller can read the status; it just cannot be told the outcome here.
            LOG.warnf("unreadable invocation record for %s; answered 202: %s", acceptance.id(), e.toString());
            return accepted(acceptance, waited);
        }
        Response.ResponseBuilder response = Response.ok()
                .header(HttpHeaders.LOCATION, acceptance.statusUrl())
                .header(WaitPreference.PREFERENCE_APPLIED, "wait=" + waited)
                .header(CourierHeaders.INVOCATION_ID, acceptance.id());
        InvocationRecord.Delivery courier = record.courier();
        if (courier != null) {
            response.header(
                            CourierHeaders.CONDITION,
                            courier.condition() == null
                                    ? null
                                    : courier.condition().wireName())
                    .header(CourierHeaders.ATTEMPTS, Integer.toString(courier.attempts()));
            InvocationRecord.TargetResponse answer = courier.response();
            if (body != null && body.length > 0) {
                // As a header, not type(): the target's media type verbatim, not parsed and written again.
                response.entity(body)
                        .header(
                                HttpHeaders.CONTENT_TYPE,
                                answer.contentType() != null
                                        ? answer.contentType()
                                        : MediaType.APPLICATION_OCTET_STREAM);
            }
            if (answer != null && Boolean.TRUE.equals(answer.truncated())) {
                response.header(CourierHeaders.RESPONSE_TRUNCATED, "true");
            }
        }
        if (record.data() != null) {
            if (record.data().response() != null && record.data().response().status() != null) {
                response.header(CourierHeaders.STATUS, record.data().response().status());
            }
            if (record.data().request() != null && record.data().request().opcRequestId() != null) {
                response.header(
                        CourierHeaders.CORRELATION_ID, record.data().request().opcRequestId());
            }
        }
        return response.build();
    }
}
