package dev.courier.cache.state;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.status.StatusDocument;
import dev.courier.cache.status.StatusStore;
import dev.courier.cache.store.CacheStore;
import dev.courier.cache.store.Decision;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restarted instance goes on from the state in its directory: what was committed is there after a close and a
 * reopen, positions included, and so are the counters the namespace cap is decided from; a batch never committed left
 * nothing, neither its writes nor its position.
 */
class StateDbRestartTest {
    private static final Instant T0 = Instant.parse("2026-11-22T05:00:00Z");

    @TempDir
    Path directory;

    private final CacheConfig config = TestState.config("courier.cache.max-entries-per-namespace", "2");

    @Test
    void entriesStatusesAndPositionsOutliveAClose() {
        StateDb db = TestState.open(directory);
        assertThat(db.isEmpty()).isTrue();
        assertThat(db.position(0)).isEqualTo(-1);
        CacheStore store = new CacheStore(db, config);
        StatusStore statuses = new StatusStore(db, config);
        try (StateDb.Batch batch = db.batch()) {
            store.apply(batch, put("greeting", "hello"), 0, 0, T0);
            store.apply(batch, put("farewell", "bye"), 0, 1, T0);
            batch.position(0, 2);
            statuses.apply(
                    batch, StatusStore.encodeChange(List.of(StatusDocument.of(StatusEvent.accepted("i", T0, "c")))));
            batch.position(2, 8);
            batch.commit();
        }
        // A poll applied, its batch never committed (the process died first).
        try (StateDb.Batch batch = db.batch()) {
            store.apply(batch, put("lost", "never committed"), 0, 2, T0);
            batch.position(0, 3);
        }
        TestState.close(db);

        StateDb reopened = TestState.open(directory);
        try {
            assertThat(reopened.isEmpty()).isFalse();
            assertThat(reopened.position(0)).isEqualTo(2);
            assertThat(reopened.position(1)).isEqualTo(-1);
            assertThat(reopened.position(2)).isEqualTo(8);

            CacheStore restarted = new CacheStore(reopened, config);
            assertThat(restarted.get("names", "greeting"))
                    .map(entry -> new String(entry.value(), StandardCharsets.UTF_8))
                    .hasValue("hello");
            assertThat(restarted.get("names", "greeting").orElseThrow().etag()).isEqualTo("0-0");
            assertThat(restarted.get("names", "lost")).isEmpty();
            assertThat(restarted.entryCount()).isEqualTo(2);
            assertThat(restarted.byteCount()).isEqualTo("hello".length() + "bye".length());
            assertThat(new StatusStore(reopened, config).get("i"))
                    .map(StatusDocument::status)
                    .hasValue(InvocationStatus.ACCEPTED);

            // The namespace is as full after the restart as before it.
            try (StateDb.Batch batch = reopened.batch()) {
                assertThat(restarted.apply(batch, put("third", "v"), 0, 2, T0).outcome())
                        .isEqualTo(Decision.Outcome.NAMESPACE_FULL);
            }
        } finally {
            TestState.close(reopened);
        }
    }

    private static CacheChange put(String key, String value) {
        return new CacheChange(
                CacheChange.Op.PUT,
                "names",
                key,
                value.getBytes(StandardCharsets.UTF_8),
                "text/plain",
                null,
                null,
                false,
                null);
    }
}
