package dev.courier.cache.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;

import dev.courier.cache.log.CacheChange;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.TestState;
import dev.courier.common.cache.CacheNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the generic cache decides each change, applied as the log follower applies it (into a {@link StateDb.Batch},
 * committed), on a real state in a directory of the test's: preconditions against the current version, expiry judged
 * at the change's own time, and the namespace cap, which Courier's own namespaces do not have.
 */
class CacheStoreTest {
    private static final int PARTITION = 1;
    /** Long past: every decision below is judged at the change's time, never by this machine's clock. */
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private StateDb db;
    private CacheStore store;
    private long offset;

    @BeforeEach
    void open() {
        db = TestState.open(directory);
        store = new CacheStore(db, TestState.config("courier.cache.max-entries-per-namespace", "3"));
    }

    @AfterEach
    void close() {
        TestState.close(db);
    }

    @Test
    void ifNoneMatchWritesOnlyWhereNothingIsStored() {
        Decision first = apply(put("names", "k", "first").ifNoneMatch(), T0);
        Decision second = apply(put("names", "k", "second").ifNoneMatch(), T0.plusSeconds(1));

        assertThat(first.outcome()).isEqualTo(Decision.Outcome.CREATED);
        assertThat(first.etag()).isEqualTo(PARTITION + "-0");
        // Refused, naming the version that stands.
        assertThat(second).isEqualTo(new Decision(Decision.Outcome.PRECONDITION_FAILED, first.etag()));
        assertThat(value("names", "k")).isEqualTo("first");
    }

    @Test
    void ifMatchWritesAndDeletesOnlyTheCurrentVersion() {
        String v1 = apply(put("names", "k", "1"), T0).etag();
        Decision v2 = apply(put("names", "k", "2").ifMatch(v1), T0);
        assertThat(v2.outcome()).isEqualTo(Decision.Outcome.REPLACED);
        assertThat(v2.etag()).isNotEqualTo(v1).isEqualTo(PARTITION + "-1");

        assertThat(apply(put("names", "k", "stale").ifMatch(v1), T0))
                .isEqualTo(new Decision(Decision.Outcome.PRECONDITION_FAILED, v2.etag()));
        assertThat(apply(delete("names", "k").ifMatch(v1), T0).outcome())
                .isEqualTo(Decision.Outcome.PRECONDITION_FAILED);
        assertThat(apply(put("names", "absent", "x").ifMatch(v1), T0))
                .isEqualTo(new Decision(Decision.Outcome.PRECONDITION_FAILED, null));
        assertThat(value("names", "k")).isEqualTo("2");

        assertThat(apply(delete("names", "k").ifMatch(v2.etag()), T0).outcome()).isEqualTo(Decision.Outcome.DELETED);
        assertThat(store.get("names", "k")).isEmpty();
        assertThat(apply(delete("names", "k"), T0).outcome()).isEqualTo(Decision.Outcome.NOT_FOUND);
    }

    @Test
    void changesInOneBatchSeeTheOnesBeforeThem() {
        // One poll is applied as one batch: the second write must be decided against the first, not against disk.
        Decision first;
        Decision second;
        try (StateDb.Batch batch = db.batch()) {
            first = store.apply(batch, put("names", "k", "first").ifNoneMatch().change(), PARTITION, 0, T0);
            second =
                    store.apply(batch, put("names", "k", "second").ifNoneMatch().change(), PARTITION, 1, T0);
            batch.commit();
        }

        assertThat(first.outcome()).isEqualTo(Decision.Outcome.CREATED);
        assertThat(second.outcome()).isEqualTo(Decision.Outcome.PRECONDITION_FAILED);
        assertThat(value("names", "k")).isEqualTo("first");
        assertThat(store.entryCount()).isEqualTo(1);
    }

    @Test
    void expiryIsJudgedAtTheChangesTimeNotByTheClockOfTheInstance() {
        Instant expiresAt = T0.plusSeconds(1);
        String etag =
                apply(put("names", "k", "short-lived").expiresAt(expiresAt), T0).etag();

        // Long expired by this machine's clock, but live when this change was written: still there.
        assertThat(apply(put("names", "k", "early").ifNoneMatch(), T0.plusMillis(999))
                        .outcome())
                .isEqualTo(Decision.Outcome.PRECONDITION_FAILED);
        assertThat(apply(put("names", "k", "early").ifMatch(etag), T0.plusMillis(999))
                        .outcome())
                .isEqualTo(Decision.Outcome.REPLACED);
        // The replacement has no expiry: it outlives the first one's.
        assertThat(apply(put("names", "k", "later").ifNoneMatch(), T0.plusSeconds(2))
                        .outcome())
                .isEqualTo(Decision.Outcome.PRECONDITION_FAILED);

        String other = apply(put("names", "other", "short-lived").expiresAt(expiresAt), T0)
                .etag();
        // Expiry is inclusive: at its instant the entry is gone for a change, whatever the sweep has not removed yet.
        assertThat(apply(put("names", "other", "x").ifMatch(other), expiresAt))
                .isEqualTo(new Decision(Decision.Outcome.PRECONDITION_FAILED, null));
        assertThat(apply(delete("names", "other"), expiresAt).outcome()).isEqualTo(Decision.Outcome.NOT_FOUND);
        assertThat(apply(put("names", "other", "new").ifNoneMatch(), expiresAt).outcome())
                .isEqualTo(Decision.Outcome.CREATED);
    }

    @Test
    void aUserNamespaceIsCappedButCourierNamespacesAreNot() {
        for (int i = 0; i < 3; i++) {
            assertThat(apply(put("names", "k" + i, "v"), T0).outcome()).isEqualTo(Decision.Outcome.CREATED);
        }
        assertThat(apply(put("names", "one-too-many", "v"), T0))
                .isEqualTo(new Decision(Decision.Outcome.NAMESPACE_FULL, null));
        assertThat(store.get("names", "one-too-many")).isEmpty();
        // Replacing an entry adds none; the cap is per namespace; a delete makes room.
        assertThat(apply(put("names", "k0", "replaced"), T0).outcome()).isEqualTo(Decision.Outcome.REPLACED);
        assertThat(apply(put("others", "k0", "v"), T0).outcome()).isEqualTo(Decision.Outcome.CREATED);
        apply(delete("names", "k1"), T0);
        assertThat(apply(put("names", "one-too-many", "v"), T0).outcome()).isEqualTo(Decision.Outcome.CREATED);

        // Idempotency keys, cancellations, lanes: bounded by expiry, never refused for their number.
        for (int i = 0; i < 10; i++) {
            assertThat(apply(put(CacheNamespaces.IDEMPOTENCY, "key-" + i, "id-" + i), T0)
                            .outcome())
                    .as("idempotency key %d", i)
                    .isEqualTo(Decision.Outcome.CREATED);
        }
        assertThat(value(CacheNamespaces.IDEMPOTENCY, "key-9")).isEqualTo("id-9");
        assertThat(store.entryCount()).isEqualTo(3 + 1 + 10);
    }

    @Test
    void entriesAndBytesAreCountedAsTheyComeAndGo() {
        apply(put("names", "a", "12345"), T0);
        apply(put("names", "b", "123"), T0);
        apply(put("names", "a", "1"), T0);
        assertThat(store.entryCount()).isEqualTo(2);
        assertThat(store.byteCount()).isEqualTo(4);

        apply(delete("names", "b"), T0);
        assertThat(store.entryCount()).isEqualTo(1);
        assertThat(store.byteCount()).isEqualTo(1);
        assertThat(store.keys("names", "", null, 10)).containsExactly("a");
    }

    private Decision apply(ChangeBuilder change, Instant at) {
        try (StateDb.Batch batch = db.batch()) {
            Decision decision = store.apply(batch, change.change(), PARTITION, offset, at);
            batch.position(PARTITION, ++offset);
            batch.commit();
            return decision;
        }
    }

    private String value(String namespace, String key) {
        return new String(store.get(namespace, key).orElseThrow().value(), StandardCharsets.UTF_8);
    }

    private static ChangeBuilder put(String namespace, String key, String value) {
        return new ChangeBuilder(CacheChange.Op.PUT, namespace, key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static ChangeBuilder delete(String namespace, String key) {
        return new ChangeBuilder(CacheChange.Op.DELETE, namespace, key, null);
    }

    /** A change as a writer would append it. */
    private static final class ChangeBuilder {
        private final CacheChange.Op op;
        private final String namespace;
        private final String key;
        private final byte[] value;
        private Instant expiresAt;
        private String ifMatch;
        private boolean ifNoneMatch;

        ChangeBuilder(CacheChange.Op op, String namespace, String key, byte[] value) {
            this.op = op;
            this.namespace = namespace;
            this.key = key;
            this.value = value;
        }

        ChangeBuilder expiresAt(Instant instant) {
            expiresAt = instant;
            return this;
        }

        ChangeBuilder ifMatch(String etag) {
            ifMatch = etag;
            return this;
        }

        ChangeBuilder ifNoneMatch() {
            ifNoneMatch = true;
            return this;
        }

        CacheChange change() {
            return new CacheChange(op, namespace, key, value, "text/plain", expiresAt, ifMatch, ifNoneMatch, null);
        }
    }
}
