package dev.courier.cache.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.status.InvocationStatus;

/**
 * An invocation's status (SPEC section 6), as kept in namespace {@value #NAMESPACE}, and the merge that folds a status
 * event into it.
 *
 * <p>Events come from several topics read independently, so they can arrive out of order. The merge only moves
 * forward: a terminal status is final; otherwise an event wins when it reports more attempts, or as many and a later
 * time. The same events in any order therefore give the same document, and every instance (applying the change log
 * in one order) holds the same one.
 *
 * @param id the invocation id
 * @param status where the invocation is
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due, if one is scheduled
 * @param acceptedAt when the request was accepted
 * @param updatedAt when the event this status comes from happened
 * @param lastResponse the target's last answer, if any
 * @param correlationId the conversation id
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusDocument(
        String id,
        InvocationStatus status,
        int attempts,
        Instant nextAttemptAt,
        Instant acceptedAt,
        Instant updatedAt,
        LastResponse lastResponse,
        String correlationId) {

    /** The cache namespace of invocation status documents. */
    public static final String NAMESPACE = CacheNamespaces.STATUS;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The target's last answer.
     *
     * @param status its HTTP status
     * @param timestamp when it was recorded
     */
    public record LastResponse(String status, Instant timestamp) {}

    /** {@code event} folded into {@code current} (null when there is none yet). */
    public static StatusDocument merge(StatusDocument current, StatusDocument event) {
        if (current == null) {
            return event;
        }
        Instant acceptedAt = earliest(current.acceptedAt(), event.acceptedAt());
        String correlationId = current.correlationId() != null ? current.correlationId() : event.correlationId();
        StatusDocument winner = wins(current, event) ? event : current;
        LastResponse lastResponse = winner.lastResponse() != null ? winner.lastResponse() : current.lastResponse();
        return new StatusDocument(
                winner.id(),
                winner.status(),
                Math.max(current.attempts(), event.attempts()),
                winner.status().isTerminal() ? null : winner.nextAttemptAt(),
                acceptedAt,
                winner.updatedAt(),
                lastResponse,
                correlationId);
    }

    private static boolean wins(StatusDocument current, StatusDocument event) {
        if (current.status().isTerminal()) {
            return false;
        }
        if (event.status().isTerminal()) {
            return true;
        }
        if (event.attempts() != current.attempts()) {
            return event.attempts() > current.attempts();
        }
        if (event.status() == InvocationStatus.ACCEPTED && current.status() != InvocationStatus.ACCEPTED) {
            return false;
        }
        return !event.updatedAt().isBefore(current.updatedAt());
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }

    /** This document as JSON. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A document from JSON. */
    public static StatusDocument fromJson(byte[] json) {
        try {
            return JSON.readValue(json, StatusDocument.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
