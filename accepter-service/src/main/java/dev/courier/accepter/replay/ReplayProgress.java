package dev.courier.accepter.replay;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.record.Condition;
import dev.courier.common.request.Target;

/**
 * A replay's progress: the body of {@code GET /v1/replays/{id}} and of the {@code 202} that starts one, and the
 * document kept in cache-service ({@code courier.replays}).
 *
 * @param id the replay id
 * @param state where it is
 * @param from the window's start, inclusive
 * @param to the window's end, exclusive
 * @param condition the condition filter, if any
 * @param errorCode the error code filter, if any
 * @param target the target override, if any
 * @param startedAt when this run of the replay started
 * @param updatedAt when this document was written; while {@code RUNNING} it is written every
 *     {@code progress-interval}, so an old one means the replica running it stopped
 * @param scanned failure records read, from the first at or after {@code from} up to the end captured at the start
 * @param matched records inside the window that match the filters
 * @param enqueued matching invocations enqueued again, each under a new invocation id
 * @param duplicates matching invocations an earlier run of the same replay id had enqueued already: not again
 * @param skipped matching records that cannot be replayed: no request kept in the record (unreadable, or longer than
 *     the listener keeps) or a large body stored out of band, which is deleted when the invocation ends
 * @param failed matching invocations that could not be enqueued (Kafka or cache-service unavailable, a sealed header
 *     this accepter has no key for); running the same replay again enqueues them
 * @param error why the replay is {@code FAILED}, or the last reason an invocation could not be enqueued
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayProgress(
        String id,
        ReplayState state,
        Instant from,
        Instant to,
        Condition condition,
        String errorCode,
        Target target,
        Instant startedAt,
        Instant updatedAt,
        long scanned,
        long matched,
        long enqueued,
        long duplicates,
        long skipped,
        long failed,
        String error) {}
