package dev.courier.cache.status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;

/**
 * An invocation's status (SPEC section 6) as the status read model keeps it, and the merge that folds a newer piece of
 * news into it.
 *
 * <p>Events come from several topics read independently, so they can arrive out of order. The merge only moves
 * forward, so the same events in any order give the same document, and every instance holds the same one:
 *
 * <ul>
 *   <li>what the invocation's own record says (a terminal status that is not {@link #requested}) is final;
 *   <li>a caller's cancellation ({@code requested}) beats every step short of that record, and loses to it (a call
 *       already in flight may still succeed);
 *   <li>otherwise the event with more attempts wins, or with as many and a later time; {@code ACCEPTED} never
 *       overtakes a later step.
 * </ul>
 *
 * @param id the invocation id
 * @param status where the invocation is
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due, if one is scheduled
 * @param acceptedAt when the request was accepted
 * @param updatedAt when the event this status comes from happened
 * @param lastResponse the target's last answer, if any
 * @param correlationId the conversation id
 * @param requested whether the status is a caller's cancellation that the invocation's record has not confirmed yet
 * @param tenant the tenant the invocation belongs to, from whichever event named it (every event of one invocation
 *     names the same one, or none); null: the default tenant. Not shown: a reader is told 404 for another tenant's
 *     invocation, as for an unknown id
 * @param replayOf for a replay ({@code POST /v1/replays}), the id of the invocation it replays, from whichever event
 *     named it (the request's {@code ACCEPTED}, its hand-off to a delay tier, its record); absent otherwise
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
        String correlationId,
        String replayOf,
        @JsonIgnore boolean requested,
        @JsonIgnore String tenant) {

    /** The stored form of a document without a tenant: what every version reads. */
    private static final int FORMAT = 1;
    /** Format 1 and then the tenant; written only for a document that has one and no replayOf. */
    private static final int FORMAT_WITH_TENANT = 2;
    /** Format 1 and then the tenant and replayOf, each nullable; written only for a replay. */
    private static final int FORMAT_WITH_REPLAY = 3;

    private static final long NONE = Long.MIN_VALUE;
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /**
     * The target's last answer.
     *
     * @param status its HTTP status
     * @param timestamp when it was recorded
     */
    public record LastResponse(String status, Instant timestamp) {}

    /** The document one event alone gives. */
    public static StatusDocument of(StatusEvent event) {
        return new StatusDocument(
                event.id(),
                event.status(),
                event.attempts(),
                event.status().isTerminal() ? null : event.nextAttemptAt(),
                event.acceptedAt(),
                event.at(),
                event.lastResponseStatus() == null ? null : new LastResponse(event.lastResponseStatus(), event.at()),
                event.correlationId(),
                event.replayOf(),
                event.requested(),
                event.tenant());
    }

    /** {@code event} folded into {@code current} (null when there is none yet). */
    public static StatusDocument merge(StatusDocument current, StatusDocument event) {
        if (current == null) {
            return event;
        }
        Instant acceptedAt = earliest(current.acceptedAt(), event.acceptedAt());
        String correlationId = current.correlationId() != null ? current.correlationId() : event.correlationId();
        StatusDocument winner = wins(current, event) ? event : current;
        LastResponse lastResponse = winner.lastResponse() != null
                ? winner.lastResponse()
                : current.lastResponse() != null ? current.lastResponse() : event.lastResponse();
        return new StatusDocument(
                winner.id(),
                winner.status(),
                Math.max(current.attempts(), event.attempts()),
                winner.status().isTerminal() ? null : winner.nextAttemptAt(),
                acceptedAt,
                winner.updatedAt(),
                lastResponse,
                correlationId,
                current.replayOf() != null ? current.replayOf() : event.replayOf(),
                winner.requested(),
                current.tenant() != null ? current.tenant() : event.tenant());
    }

    /** Whether {@code tenant} owns this invocation ({@code defaultTenant} owns those that name none). */
    public boolean belongsTo(String tenant, String defaultTenant) {
        return tenant.equals(this.tenant != null ? this.tenant : defaultTenant);
    }

    /** Whether the status is the invocation's own last word. */
    @JsonIgnore
    public boolean isFinal() {
        return status.isTerminal() && !requested;
    }

    private static boolean wins(StatusDocument current, StatusDocument event) {
        if (current.isFinal()) {
            return false;
        }
        if (event.isFinal()) {
            return true;
        }
        if (current.requested()) {
            return false;
        }
        if (event.requested()) {
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

    /** This document as the API shows it. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This document in its stored (and change-log) form: about 70 bytes. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(80);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the stored form to {@code out}. */
    void writeTo(DataOutputStream out) throws IOException {
        // A document without a tenant keeps format 1, and one without a replayOf format 2 at most, so that instances
        // not yet upgraded read every document that is not a replay's.
        int format = replayOf != null ? FORMAT_WITH_REPLAY : tenant != null ? FORMAT_WITH_TENANT : FORMAT;
        out.writeByte(format);
        out.writeUTF(id);
        out.writeByte(status.ordinal());
        out.writeBoolean(requested);
        out.writeInt(attempts);
        out.writeLong(millis(nextAttemptAt));
        out.writeLong(millis(acceptedAt));
        out.writeLong(millis(updatedAt));
        writeNullable(out, lastResponse == null ? null : lastResponse.status());
        out.writeLong(lastResponse == null ? NONE : millis(lastResponse.timestamp()));
        writeNullable(out, correlationId);
        if (format == FORMAT_WITH_TENANT) {
            out.writeUTF(tenant);
        } else if (format == FORMAT_WITH_REPLAY) {
            writeNullable(out, tenant);
            out.writeUTF(replayOf);
        }
    }

    /** A document in its stored form. */
    public static StatusDocument decode(byte[] stored) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            return readFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one document's stored form from {@code in}. */
    static StatusDocument readFrom(DataInputStream in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT && format != FORMAT_WITH_TENANT && format != FORMAT_WITH_REPLAY) {
            throw new IOException("unknown status document format " + format);
        }
        String id = in.readUTF();
        InvocationStatus status = InvocationStatus.values()[in.readUnsignedByte()];
        boolean requested = in.readBoolean();
        int attempts = in.readInt();
        Instant next = instant(in.readLong());
        Instant acceptedAt = instant(in.readLong());
        Instant updatedAt = instant(in.readLong());
        String lastStatus = readNullable(in);
        Instant lastAt = instant(in.readLong());
        String correlationId = readNullable(in);
        String tenant =
                format == FORMAT_WITH_TENANT ? in.readUTF() : format == FORMAT_WITH_REPLAY ? readNullable(in) : null;
        String replayOf = format == FORMAT_WITH_REPLAY ? in.readUTF() : null;
        return new StatusDocument(
                id,
                status,
                attempts,
                next,
                acceptedAt,
                updatedAt,
                lastStatus == null ? null : new LastResponse(lastStatus, lastAt),
                correlationId,
                replayOf,
                requested,
                tenant);
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static long millis(Instant instant) {
        return instant == null ? NONE : instant.toEpochMilli();
    }

    private static Instant instant(long millis) {
        return millis == NONE ? null : Instant.ofEpochMilli(millis);
    }

    /** The bytes of {@code id} as the status column's key. */
    static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}
