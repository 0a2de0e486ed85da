package dev.courier.cache.status;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.TestState;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status read model on a real state: status changes applied as the log follower applies them (each into a batch,
 * committed, then waiting readers released), whatever order the topics deliver their events in.
 */
class StatusStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-22T05:00:00Z");

    @TempDir
    Path directory;

    private StateDb db;
    private StatusStore statuses;

    @BeforeEach
    void open() {
        db = TestState.open(directory);
        statuses = new StatusStore(db, Duration.ofDays(7));
    }

    @AfterEach
    void close() {
        TestState.close(db);
    }

    @Test
    void theSameEventsAppliedInAnyOrderGiveTheSameDocument() {
        List<List<Integer>> orders = permutations(List.of(0, 1, 2, 3, 4));
        StatusDocument expected = null;
        for (int n = 0; n < orders.size(); n++) {
            String id = "invocation-" + n;
            List<StatusEvent> events = lifeOf(id);
            for (int index : orders.get(n)) {
                applyEach(events.get(index));
            }
            StatusDocument document = statuses.get(id).orElseThrow();
            if (expected == null) {
                expected = document;
            }
            assertThat(document)
                    .as("events in the order %s", orders.get(n))
                    .usingRecursiveComparison()
                    .ignoringFields("id")
                    .isEqualTo(expected);
        }
        assertThat(expected.status()).isEqualTo(InvocationStatus.SUCCEEDED);
        assertThat(expected.isFinal()).isTrue();
        assertThat(expected.attempts()).isEqualTo(2);
        assertThat(expected.acceptedAt()).isEqualTo(T0);
        assertThat(expected.updatedAt()).isEqualTo(T0.plusSeconds(7));
        assertThat(expected.nextAttemptAt()).isNull();
        assertThat(expected.correlationId()).isEqualTo("conversation");
        assertThat(expected.lastResponse()).isEqualTo(new StatusDocument.LastResponse("200", T0.plusSeconds(7)));
    }

    @Test
    void eventsFoldedIntoOneChangeGiveWhatTheyGiveOneByOne() {
        List<StatusEvent> events = lifeOf("one-by-one");
        events.forEach(this::applyEach);
        List<StatusEvent> together = lifeOf("together");
        try (StateDb.Batch batch = db.batch()) {
            statuses.apply(batch, change(together.toArray(StatusEvent[]::new)));
            batch.commit();
        }

        assertThat(statuses.get("together").orElseThrow())
                .usingRecursiveComparison()
                .ignoringFields("id")
                .isEqualTo(statuses.get("one-by-one").orElseThrow());
    }

    @Test
    void aRequestedCancelBeatsDispatchingButLosesToTheFinalRecord() {
        StatusEvent dispatching = dispatching("x", 1, T0.plusSeconds(6));
        StatusEvent cancel = StatusEvent.cancelRequested("x", T0.plusSeconds(2));

        // Earlier than the dispatch, and with fewer attempts: the caller's cancellation still wins, in either order.
        applyEach(dispatching);
        applyEach(cancel);
        assertThat(status("x")).isEqualTo(InvocationStatus.CANCELLED);
        assertThat(statuses.get("x").orElseThrow().isFinal()).isFalse();
        applyEach(StatusEvent.cancelRequested("y", T0.plusSeconds(2)));
        applyEach(dispatching("y", 1, T0.plusSeconds(6)));
        assertThat(status("y")).isEqualTo(InvocationStatus.CANCELLED);

        // The call was already in flight and succeeded: the invocation's record is its last word.
        applyEach(succeeded("x", T0.plusSeconds(1)));
        assertThat(statuses.get("x").orElseThrow())
                .extracting(StatusDocument::status, StatusDocument::isFinal)
                .containsExactly(InvocationStatus.SUCCEEDED, true);
        applyEach(succeeded("z", T0.plusSeconds(7)));
        applyEach(StatusEvent.cancelRequested("z", T0.plusSeconds(8)));
        assertThat(status("z")).isEqualTo(InvocationStatus.SUCCEEDED);
        assertThat(statuses.get("z").orElseThrow().lastResponse().status()).isEqualTo("200");
    }

    @Test
    void aReaderWaitingForAnIdIsAnsweredOnceItIsApplied() throws Exception {
        CompletableFuture<Optional<StatusDocument>> waiting = statuses.await("late", Duration.ofSeconds(10));
        assertThat(waiting).isNotDone();

        applyEach(StatusEvent.accepted("other", T0, null));
        assertThat(waiting).as("another id applied").isNotDone();
        applyEach(StatusEvent.accepted("late", T0, "c"));

        Optional<StatusDocument> answered = waiting.get(2, TimeUnit.SECONDS);
        assertThat(answered).map(StatusDocument::status).hasValue(InvocationStatus.ACCEPTED);
        // One that is there already is answered at once.
        assertThat(statuses.await("late", Duration.ofSeconds(10))).isCompletedWithValue(answered);
    }

    @Test
    void aReaderWaitingForAnIdNeverAppliedIsAnsweredEmptyWhenItsWaitIsOver() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Optional<StatusDocument>> waiting = statuses.await("never", Duration.ofMillis(300));

        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(statuses.await("never", Duration.ZERO)).isCompletedWithValue(Optional.empty());
    }

    /** An invocation's five events: accepted, a failed attempt, a retry dispatched, a cancel too late, success. */
    private static List<StatusEvent> lifeOf(String id) {
        List<StatusEvent> events = new ArrayList<>();
        events.add(StatusEvent.accepted(id, T0, "conversation"));
        events.add(new StatusEvent(
                id, InvocationStatus.RETRYING, 1, T0.plusSeconds(5), T0, T0.plusSeconds(1), "503", null, false));
        events.add(dispatching(id, 2, T0.plusSeconds(6)));
        events.add(StatusEvent.cancelRequested(id, T0.plusSeconds(6)));
        events.add(succeeded(id, T0.plusSeconds(7)));
        return events;
    }

    private static StatusEvent dispatching(String id, int attempts, Instant at) {
        return new StatusEvent(id, InvocationStatus.DISPATCHING, attempts, null, T0, at, null, null, false);
    }

    private static StatusEvent succeeded(String id, Instant at) {
        return new StatusEvent(id, InvocationStatus.SUCCEEDED, 2, null, T0, at, "200", "conversation", false);
    }

    /** Applies a status change holding {@code event} alone, committed, as its own poll of the log. */
    private void applyEach(StatusEvent event) {
        try (StateDb.Batch batch = db.batch()) {
            statuses.apply(batch, change(event));
            batch.commit();
        }
        statuses.releaseWaiters();
    }

    private InvocationStatus status(String id) {
        return statuses.get(id).orElseThrow().status();
    }

    /** A status change as the projector appends it: each event as a document. */
    private static byte[] change(StatusEvent... events) {
        List<StatusDocument> documents = new ArrayList<>();
        for (StatusEvent event : events) {
            // Through its header form, as the projector reads it off a record.
            documents.add(StatusDocument.of(StatusEvent.decode(event.encode())));
        }
        return StatusStore.encodeChange(documents);
    }

    private static List<List<Integer>> permutations(List<Integer> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<Integer>> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Integer> rest = new ArrayList<>(items);
            Integer first = rest.remove(i);
            for (List<Integer> tail : permutations(rest)) {
                List<Integer> order = new ArrayList<>();
                order.add(first);
                order.addAll(tail);
                result.add(order);
            }
        }
        return result;
    }
}
