package dev.courier.cache.status;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusDocumentTest {
    private static final Instant T0 = Instant.parse("2026-11-22T05:00:00Z");

    private final StatusDocument accepted =
            new StatusDocument("i", InvocationStatus.ACCEPTED, 0, null, T0, T0, null, "c", null, false, null);
    private final StatusDocument retrying = new StatusDocument(
            "i", InvocationStatus.RETRYING, 1, T0.plusSeconds(5), T0, T0.plusSeconds(1), null, null, null, false, null);
    private final StatusDocument dispatching = new StatusDocument(
            "i", InvocationStatus.DISPATCHING, 1, null, T0, T0.plusSeconds(6), null, null, null, false, null);
    private final StatusDocument succeeded = new StatusDocument(
            "i",
            InvocationStatus.SUCCEEDED,
            2,
            null,
            T0,
            T0.plusSeconds(7),
            new StatusDocument.LastResponse("200", T0.plusSeconds(7)),
            "c",
            null,
            false,
            null);

    @Test
    void theSameEventsInAnyOrderGiveTheSameDocument() {
        List<StatusDocument> events = List.of(accepted, retrying, dispatching, succeeded);
        StatusDocument expected = fold(events);
        assertThat(expected.status()).isEqualTo(InvocationStatus.SUCCEEDED);
        assertThat(expected.attempts()).isEqualTo(2);
        assertThat(expected.correlationId()).isEqualTo("c");
        assertThat(expected.lastResponse().status()).isEqualTo("200");
        for (List<StatusDocument> order : permutations(events)) {
            assertThat(fold(order)).as("order %s", order).isEqualTo(expected);
        }
    }

    @Test
    void aRetryIsNotUndoneByALateAcceptedEvent() {
        StatusDocument merged = StatusDocument.merge(StatusDocument.merge(null, retrying), accepted);
        assertThat(merged.status()).isEqualTo(InvocationStatus.RETRYING);
        assertThat(merged.nextAttemptAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(merged.correlationId()).isEqualTo("c");
    }

    @Test
    void theStoredFormReadsBackWholeAndTheApiFormShowsNoInternals() {
        StatusDocument cancel = StatusDocument.of(StatusEvent.cancelRequested("i", T0.plusSeconds(3)));
        for (StatusDocument document : List.of(accepted, retrying, dispatching, succeeded, cancel)) {
            assertThat(StatusDocument.decode(document.encode())).isEqualTo(document);
        }
        assertThat(StatusDocument.decode(cancel.encode()).requested()).isTrue();

        String json = new String(cancel.toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"status\":\"CANCELLED\"").doesNotContain("requested");
        assertThat(new String(succeeded.toJson(), StandardCharsets.UTF_8))
                .contains("\"lastResponse\":{\"status\":\"200\",\"timestamp\":\"2026-11-22T05:00:07Z\"}")
                .doesNotContain("nextAttemptAt");
    }

    @Test
    void theTenantComesFromWhicheverEventNamesItAndTravelsInTheStoredFormOnly() {
        StatusDocument acmeAccepted = StatusDocument.of(StatusEvent.accepted("i", T0, "c", "acme"));
        // The invocation's record projected before its request's event, which names the tenant: it is kept either way.
        for (List<StatusDocument> order : permutations(List.of(acmeAccepted, retrying, succeeded))) {
            StatusDocument folded = fold(order);
            assertThat(folded.tenant()).as("order %s", order).isEqualTo("acme");
            assertThat(folded.belongsTo("acme", "default")).isTrue();
            assertThat(folded.belongsTo("default", "default")).isFalse();
            assertThat(StatusDocument.decode(folded.encode())).isEqualTo(folded);
            assertThat(new String(folded.toJson(), StandardCharsets.UTF_8)).doesNotContain("acme");
        }
        // Without a tenant: the default tenant's, in the stored form every earlier version reads (format 1).
        assertThat(succeeded.belongsTo("default", "default")).isTrue();
        assertThat(succeeded.encode()[0]).isEqualTo((byte) 1);
        assertThat(acmeAccepted.encode()[0]).isEqualTo((byte) 2);
    }

    @Test
    void replayOfComesFromWhicheverEventNamesItIsShownAndKeepsEarlierFormsForTheRest() {
        StatusDocument replayAccepted = StatusDocument.of(StatusEvent.accepted("i", T0, "c", null, "original-1"));
        StatusDocument acmeReplay = StatusDocument.of(StatusEvent.accepted("i", T0, "c", "acme", "original-1"));
        for (List<StatusDocument> order : permutations(List.of(replayAccepted, retrying, succeeded))) {
            StatusDocument folded = fold(order);
            assertThat(folded.replayOf()).as("order %s", order).isEqualTo("original-1");
            assertThat(folded.status()).isEqualTo(InvocationStatus.SUCCEEDED);
            assertThat(StatusDocument.decode(folded.encode())).isEqualTo(folded);
            assertThat(new String(folded.toJson(), StandardCharsets.UTF_8)).contains("\"replayOf\":\"original-1\"");
        }
        StatusDocument folded = fold(List.of(succeeded, acmeReplay));
        assertThat(StatusDocument.decode(folded.encode())).isEqualTo(folded);
        assertThat(folded.tenant()).isEqualTo("acme");
        assertThat(folded.replayOf()).isEqualTo("original-1");
        // Only a replay's document takes the new form; the others keep theirs, which earlier versions read.
        assertThat(replayAccepted.encode()[0]).isEqualTo((byte) 3);
        assertThat(StatusDocument.of(StatusEvent.accepted("i", T0, "c", "acme")).encode()[0])
                .isEqualTo((byte) 2);
        assertThat(new String(succeeded.toJson(), StandardCharsets.UTF_8)).doesNotContain("replayOf");
    }

    private static StatusDocument fold(List<StatusDocument> events) {
        StatusDocument document = null;
        for (StatusDocument event : events) {
            document = StatusDocument.merge(document, event);
        }
        return document;
    }

    private static List<List<StatusDocument>> permutations(List<StatusDocument> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<StatusDocument>> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<StatusDocument> rest = new ArrayList<>(items);
            StatusDocument first = rest.remove(i);
            for (List<StatusDocument> tail : permutations(rest)) {
                List<StatusDocument> order = new ArrayList<>();
                order.add(first);
                order.addAll(tail);
                result.add(order);
            }
        }
        return result;
    }
}
