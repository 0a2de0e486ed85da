package dev.courier.cache.state;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.state.StateDb.Column;
import dev.courier.cache.status.StatusDocument;
import dev.courier.cache.status.StatusStore;
import dev.courier.cache.store.CacheStore;
import dev.courier.common.status.StatusEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The expiry index names exactly the entries whose time is up, each at the expiry it has now (a rewrite moves it), so
 * that a sweep removes exactly those, values and statuses alike, and nothing else.
 */
class ExpiryIndexTest {
    /** Now (to the millisecond, the precision stored): entries that the sweep keeps are still readable. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @TempDir
    Path directory;

    private StateDb db;
    private CacheStore store;
    private StatusStore statuses;
    private long offset;

    @BeforeEach
    void open() {
        db = TestState.open(directory);
        CacheConfig config = TestState.config("courier.cache.status.retention", "1h");
        store = new CacheStore(db, config);
        statuses = new StatusStore(db, config);
    }

    @AfterEach
    void close() {
        TestState.close(db);
    }

    @Test
    void aSweepRemovesExactlyTheExpiredValuesAndStatuses() {
        put("a", T0.plus(Duration.ofMinutes(10)));
        put("b", T0.plus(Duration.ofHours(2)));
        put("c", null);
        put("d", T0.plus(Duration.ofMinutes(5)));
        put("d", T0.plus(Duration.ofHours(3))); // rewritten: it now expires later
        put("e", T0.plus(Duration.ofMinutes(5)));
        put("e", null); // rewritten: it no longer expires
        status(StatusEvent.accepted("s1", T0, null)); // kept an hour after its last event
        status(StatusEvent.accepted("s2", T0.plus(Duration.ofMinutes(90)), null));
        status(StatusEvent.accepted("s3", T0, null));
        status(StatusEvent.cancelRequested("s3", T0.plus(Duration.ofHours(2)))); // a later event: kept longer

        Instant sweptAt = T0.plus(Duration.ofMinutes(135));
        List<ExpiryIndex.Expired> expired = ExpiryIndex.expiredBefore(db, sweptAt, 100);
        assertThat(expired)
                .extracting(entry -> entry.column() + " " + new String(entry.key(), StandardCharsets.UTF_8))
                .containsExactly("VALUES ns/a", "STATUS s1", "VALUES ns/b");
        assertThat(expired).extracting(ExpiryIndex.Expired::expiresAt).isSorted();

        sweep(sweptAt);

        assertThat(db.get(Column.VALUES, key("ns/a"))).isNull();
        assertThat(db.get(Column.VALUES, key("ns/b"))).isNull();
        assertThat(store.get("ns", "a")).isEmpty();
        assertThat(store.get("ns", "b"))
                .as("not expired by this machine's clock, but swept")
                .isEmpty();
        assertThat(statuses.get("s1")).isEmpty();
        assertThat(store.keys("ns", "", null, 10)).containsExactly("c", "d", "e");
        assertThat(statuses.get("s2")).isPresent();
        assertThat(statuses.get("s3")).isPresent();
        assertThat(store.entryCount()).isEqualTo(3);
        // The index names what is left to expire, once each, and nothing that is gone.
        assertThat(ExpiryIndex.expiredBefore(db, sweptAt, 100)).isEmpty();
        assertThat(indexed())
                .containsExactly(
                        "STATUS s2 " + T0.plus(Duration.ofMinutes(150)),
                        "STATUS s3 " + T0.plus(Duration.ofHours(3)),
                        "VALUES ns/d " + T0.plus(Duration.ofHours(3)));
    }

    @Test
    void aSweepDoesNotRemoveWhatWasRewrittenInTheSameBatchAfterTheIndexWasRead() {
        put("k", T0.plus(Duration.ofMinutes(1)));
        Instant sweptAt = T0.plus(Duration.ofMinutes(2));
        List<ExpiryIndex.Expired> expired = ExpiryIndex.expiredBefore(db, sweptAt, 100);
        put("k", T0.plus(Duration.ofHours(1))); // applied between the read of the index and the sweep's batch

        sweep(expired);

        assertThat(store.get("ns", "k")).isPresent();
        assertThat(indexed()).containsExactly("VALUES ns/k " + T0.plus(Duration.ofHours(1)));
    }

    /** What the log follower's sweep does: every expired entry to the store of its column, in one batch. */
    private void sweep(Instant before) {
        sweep(ExpiryIndex.expiredBefore(db, before, 1000));
    }

    private void sweep(List<ExpiryIndex.Expired> expired) {
        try (StateDb.Batch batch = db.batch()) {
            for (ExpiryIndex.Expired entry : expired) {
                if (entry.column() == Column.STATUS) {
                    statuses.expire(batch, entry.key(), entry.expiresAt());
                } else {
                    store.expire(batch, entry.key(), entry.expiresAt());
                }
            }
            batch.commit();
        }
    }

    private void put(String key, Instant expiresAt) {
        CacheChange change = new CacheChange(
                CacheChange.Op.PUT,
                "ns",
                key,
                "v".getBytes(StandardCharsets.UTF_8),
                "text/plain",
                expiresAt,
                null,
                false,
                null);
        try (StateDb.Batch batch = db.batch()) {
            store.apply(batch, change, 0, offset++, T0);
            batch.commit();
        }
    }

    private void status(StatusEvent event) {
        try (StateDb.Batch batch = db.batch()) {
            statuses.apply(batch, StatusStore.encodeChange(List.of(StatusDocument.of(event))));
            batch.commit();
        }
    }

    /** Every entry of the index: column, key, expiry. */
    private List<String> indexed() {
        List<String> indexed = new ArrayList<>();
        for (ExpiryIndex.Expired entry : ExpiryIndex.expiredBefore(db, Instant.ofEpochMilli(Long.MAX_VALUE), 1000)) {
            indexed.add(
                    entry.column() + " " + new String(entry.key(), StandardCharsets.UTF_8) + " " + entry.expiresAt());
        }
        indexed.sort(null);
        return indexed;
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
