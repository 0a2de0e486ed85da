package dev.courier.listener.retry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.courier.common.record.DeliveryHeaders;
import dev.courier.listener.lanes.LanePosition;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where an invocation stands between attempts, carried in the headers of its record ({@link DeliveryHeaders}) so
 * that it survives restarts and rebalances.
 *
 * @param attempts attempts already made
 * @param acceptedAt when the request was accepted
 * @param firstAttemptAt when the first attempt was made, or null before it
 * @param nextAttemptAt not before this instant, or null for "now or the request's own deferral"
 * @param rateSlot the dispatch slot a target's rate limit reserved for this call, or null
 * @param lanePosition the invocation's place in its ordering key's lane (where its request was first read), or null
 */
public record DeliveryState(
        int attempts,
        Instant acceptedAt,
        Instant firstAttemptAt,
        Instant nextAttemptAt,
        Instant rateSlot,
        LanePosition lanePosition) {

    /**
     * The state in {@code record}'s headers; a record without them is a first hand-off, accepted at its timestamp and
     * placed in its lane where it is.
     */
    public static DeliveryState of(ConsumerRecord<?, ?> record) {
        Headers headers = record.headers();
        String attempts = text(headers, DeliveryHeaders.ATTEMPTS);
        Instant acceptedAt = instant(headers, DeliveryHeaders.ACCEPTED_AT);
        String lanePosition = text(headers, DeliveryHeaders.LANE_POSITION);
        return new DeliveryState(
                attempts == null ? 0 : Integer.parseInt(attempts),
                acceptedAt != null ? acceptedAt : Instant.ofEpochMilli(record.timestamp()),
                instant(headers, DeliveryHeaders.FIRST_ATTEMPT_AT),
                instant(headers, DeliveryHeaders.NEXT_ATTEMPT_AT),
                instant(headers, DeliveryHeaders.RATE_SLOT),
                lanePosition != null
                        ? LanePosition.parse(lanePosition)
                        : new LanePosition(record.partition(), record.offset()));
    }

    /** After attempt number {@code attempts} made at {@code at}, the next not before {@code next}. */
    public DeliveryState retryAt(int attempts, Instant at, Instant next) {
        return new DeliveryState(
                attempts, acceptedAt, firstAttemptAt != null ? firstAttemptAt : at, next, null, lanePosition);
    }

    /** The same state, waiting until {@code next}. */
    public DeliveryState deferredTo(Instant next) {
        return new DeliveryState(attempts, acceptedAt, firstAttemptAt, next, null, lanePosition);
    }

    /** The same state, waiting for a limited target until {@code next}, holding the rate slot there if reserved. */
    public DeliveryState waitingForTarget(Instant next, boolean reserved) {
        return new DeliveryState(attempts, acceptedAt, firstAttemptAt, next, reserved ? next : null, lanePosition);
    }

    /** Writes this state into {@code headers}, replacing what was there. */
    public void writeTo(Headers headers) {
        set(headers, DeliveryHeaders.ATTEMPTS, Integer.toString(attempts));
        set(headers, DeliveryHeaders.ACCEPTED_AT, acceptedAt.toString());
        set(headers, DeliveryHeaders.FIRST_ATTEMPT_AT, firstAttemptAt == null ? null : firstAttemptAt.toString());
        set(headers, DeliveryHeaders.NEXT_ATTEMPT_AT, nextAttemptAt == null ? null : nextAttemptAt.toString());
        set(headers, DeliveryHeaders.RATE_SLOT, rateSlot == null ? null : rateSlot.toString());
        set(headers, DeliveryHeaders.LANE_POSITION, lanePosition == null ? null : lanePosition.toString());
    }

    private static void set(Headers headers, String name, String value) {
        headers.remove(name);
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Instant instant(Headers headers, String name) {
        String value = text(headers, name);
        return value == null ? null : Instant.parse(value);
    }
}
