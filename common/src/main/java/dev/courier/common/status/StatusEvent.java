package dev.courier.common.status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.courier.common.record.Condition;

/**
 * One step in an invocation's life, as the service that took the step reports it to the status read model (SPEC
 * section 6). The accepter and the listener put it, as header {@value #HEADER}, on the records they write anyway (a
 * request accepted, handed to a delay tier, returned for an attempt, finished), so that cache-service projects status
 * from this one explicit contract and never from how the listener keeps its delivery state.
 *
 * <p>Encoded in a small binary form (about 60 bytes) because it travels on every record; {@link #encode} and
 * {@link #decode} are the only readers and writers of that form. A record without the header (a direct producer's
 * request) is projected from the request document itself.
 *
 * @param id the invocation id
 * @param status where the invocation is after this step
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due, when one is scheduled; else null
 * @param acceptedAt when the request was accepted, if known; else null
 * @param at when the step happened
 * @param lastResponseStatus the target's last HTTP status (or OCI's), if it answered; else null
 * @param correlationId the conversation id, if known; else null
 * @param requested true for a caller's request ({@code CANCELLED} by {@code DELETE}) that the invocation's own record
 *     may still overrule (a call already in flight can succeed); false for a step that did happen
 * @param tenant the tenant the invocation belongs to, if known; else null (the default tenant: records written before
 *     tenants existed, and direct producers that name none)
 * @param replayOf for a replay ({@code POST /v1/replays}), the id of the invocation it replays; else null
 */
public record StatusEvent(
        String id,
        InvocationStatus status,
        int attempts,
        Instant nextAttemptAt,
        Instant acceptedAt,
        Instant at,
        String lastResponseStatus,
        String correlationId,
        boolean requested,
        String tenant,
        String replayOf) {

    /** The record header that carries the event. */
    public static final String HEADER = "courier-status";

    private static final int FORMAT = 1;
    private static final long NONE = Long.MIN_VALUE;

    /** An event of an invocation that replays none (or whose link another event names). */
    public StatusEvent(
            String id,
            InvocationStatus status,
            int attempts,
            Instant nextAttemptAt,
            Instant acceptedAt,
            Instant at,
            String lastResponseStatus,
            String correlationId,
            boolean requested,
            String tenant) {
        this(
                id,
                status,
                attempts,
                nextAttemptAt,
                acceptedAt,
                at,
                lastResponseStatus,
                correlationId,
                requested,
                tenant,
                null);
    }

    /** An event of no known tenant (the default tenant's, or one whose owner another event names). */
    public StatusEvent(
            String id,
            InvocationStatus status,
            int attempts,
            Instant nextAttemptAt,
            Instant acceptedAt,
            Instant at,
            String lastResponseStatus,
            String correlationId,
            boolean requested) {
        this(
                id,
                status,
                attempts,
                nextAttemptAt,
                acceptedAt,
                at,
                lastResponseStatus,
                correlationId,
                requested,
                null,
                null);
    }

    /** A request stored without a tenant (a direct producer's, or from before tenants existed). */
    public static StatusEvent accepted(String id, Instant acceptedAt, String correlationId) {
        return accepted(id, acceptedAt, correlationId, null);
    }

    /** A request of {@code tenant} (null: the default) stored by the accepter (or read from a direct producer). */
    public static StatusEvent accepted(String id, Instant acceptedAt, String correlationId, String tenant) {
        return accepted(id, acceptedAt, correlationId, tenant, null);
    }

    /**
     * A request of {@code tenant} (null: the default) stored by the accepter, replaying invocation {@code replayOf}
     * (null: none).
     */
    public static StatusEvent accepted(
            String id, Instant acceptedAt, String correlationId, String tenant, String replayOf) {
        return new StatusEvent(
                id,
                InvocationStatus.ACCEPTED,
                0,
                null,
                acceptedAt,
                acceptedAt,
                null,
                correlationId,
                false,
                tenant,
                replayOf);
    }

    /** The caller asked for the invocation to be cancelled at {@code at}. */
    public static StatusEvent cancelRequested(String id, Instant at) {
        return new StatusEvent(id, InvocationStatus.CANCELLED, 0, null, null, at, null, null, true, null);
    }

    /** The status an invocation that ended with {@code condition} is in. */
    public static InvocationStatus statusOf(Condition condition) {
        return switch (condition) {
            case SUCCESS -> InvocationStatus.SUCCEEDED;
            case EVENT_AGE_EXCEEDED -> InvocationStatus.EXPIRED;
            case CANCELLED -> InvocationStatus.CANCELLED;
            case RETRIES_EXHAUSTED, REJECTED -> InvocationStatus.FAILED;
        };
    }

    /** This event in its binary form. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writeString(out, id);
            out.writeByte(status.ordinal());
            out.writeBoolean(requested);
            out.writeInt(attempts);
            out.writeLong(millis(nextAttemptAt));
            out.writeLong(millis(acceptedAt));
            out.writeLong(millis(at));
            writeString(out, lastResponseStatus);
            writeString(out, correlationId);
            // Added after format 1 was out: trailing fields, written only as far as the last one that is set, so that
            // a reader of an older version (which stops after the correlation id, or after the tenant) reads every
            // event as before. The tenant goes first (as null for none) when there is a replayOf to follow it.
            if (tenant != null || replayOf != null) {
                writeString(out, tenant);
            }
            if (replayOf != null) {
                writeString(out, replayOf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The event in {@code data}.
     *
     * @throws IllegalArgumentException when {@code data} is not an event in a format this version reads
     */
    public static StatusEvent decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown status event format " + format);
            }
            String id = readString(in);
            InvocationStatus[] statuses = InvocationStatus.values();
            int status = in.readUnsignedByte();
            if (id == null || status >= statuses.length) {
                throw new IllegalArgumentException("not a status event");
            }
            boolean requested = in.readBoolean();
            int attempts = in.readInt();
            Instant next = instant(in.readLong());
            Instant acceptedAt = instant(in.readLong());
            Instant at = instant(in.readLong());
            if (at == null) {
                throw new IllegalArgumentException("a status event needs its time");
            }
            String lastResponseStatus = readString(in);
            String correlationId = readString(in);
            String tenant = in.available() > 0 ? readString(in) : null;
            String replayOf = in.available() > 0 ? readString(in) : null;
            return new StatusEvent(
                    id,
                    statuses[status],
                    attempts,
                    next,
                    acceptedAt,
                    at,
                    lastResponseStatus,
                    correlationId,
                    requested,
                    tenant,
                    replayOf);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a status event: " + e.getMessage(), e);
        }
    }

    private static long millis(Instant instant) {
        return instant == null ? NONE : instant.toEpochMilli();
    }

    private static Instant instant(long millis) {
        return millis == NONE ? null : Instant.ofEpochMilli(millis);
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeShort(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a status event field is at most 32767 bytes");
        }
        out.writeShort(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readShort();
        if (length < 0) {
            return null;
        }
        byte[] utf8 = in.readNBytes(length);
        if (utf8.length != length) {
            throw new IOException("truncated");
        }
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
