package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.StateDb.Column;
import dev.courier.cache.state.TestState;
import dev.courier.cache.status.StatusDocument;
import dev.courier.cache.status.StatusStore;
import dev.courier.cache.store.CacheStore;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.Precondition;
import dev.courier.oci.storage.PreconditionFailedException;
import dev.courier.oci.storage.StoredObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the snapshot store does over any object store, with real states (RocksDB in directories of the test's): the
 * newest complete snapshot is what an empty state is loaded from, old ones go, a second writer at the same position
 * changes nothing, a loaded snapshot is not written again, a snapshot without its manifest does not count, and a state
 * larger than a part is split and comes back whole. {@link LocalSnapshotStoreTest} runs it on a directory,
 * {@link OciSnapshotStoreTest} through the Object Storage adapter.
 */
abstract class SnapshotStoreContract {
    static final String TOPIC = "courier.cache.changes";
    static final String ROOT = "snapshots/" + TOPIC + "/state/";
    static final int PARTITIONS = 2;
    /** A part's size, as the store cuts them. */
    private static final int PART_BYTES = 8 << 20;

    private static final Instant LATER = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS);

    private final CacheConfig config = TestState.config();
    private final List<State> opened = new ArrayList<>();

    @TempDir
    Path states;

    ObjectStore objects;
    SnapshotStore snapshots;

    /** A real, empty object store. */
    abstract ObjectStore openObjects();

    @BeforeEach
    void open() {
        objects = openObjects();
        snapshots = new SnapshotStore(objects, TOPIC, 2);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(State::close);
        objects.close();
    }

    @Test
    void theNewestCompleteSnapshotIsLoadedIntoAnEmptyStateAndOnlyTheNewestTwoAreKept() {
        State writer = state("writer");
        writer.put("key", "nine").at(4, 5);
        assertThat(writer.saveTo(snapshots)).isTrue();
        writer.put("key", "one-twenty").at(60, 60);
        assertThat(writer.saveTo(snapshots)).isTrue();
        writer.put("key", "thousand")
                .put("expiring", "until tomorrow", LATER)
                .accepted("invocation")
                .at(400, 600);
        assertThat(writer.saveTo(snapshots)).isTrue();

        assertThat(snapshotDirectories()).containsExactly(directory(120), directory(1000));

        State loaded = state("new instance");
        assertThat(snapshots.loadNewest(loaded.db)).isTrue();
        loaded.recount();
        assertThat(loaded.value("key")).isEqualTo("thousand");
        assertThat(loaded.value("expiring")).isEqualTo("until tomorrow");
        assertThat(loaded.statuses.get("invocation"))
                .map(StatusDocument::status)
                .hasValue(InvocationStatus.ACCEPTED);
        assertThat(loaded.db.position(0)).isEqualTo(400);
        assertThat(loaded.db.position(1)).isEqualTo(600);
        assertThat(loaded.store.entryCount()).isEqualTo(writer.store.entryCount());
        assertThat(loaded.store.byteCount()).isEqualTo(writer.store.byteCount());
        // Every column, the expiry index and the counters included, exactly as the writer had it.
        assertThat(loaded.contents()).isEqualTo(writer.contents());
    }

    @Test
    void aSecondWriterAtTheSamePositionDoesNotReplaceTheFirstOnesObjects() {
        State first = state("first");
        first.put("key", "first writer").at(21, 21);
        State second = state("second");
        second.put("key", "second writer").at(20, 22);
        snapshots.save(first.view(), PARTITIONS);
        Map<String, String> written = objectDigests();

        new SnapshotStore(objects, TOPIC, 2).save(second.view(), PARTITIONS);

        assertThat(objectDigests()).isEqualTo(written);
        State loaded = state("loaded");
        snapshots.loadNewest(loaded.db);
        assertThat(loaded.recount().value("key")).isEqualTo("first writer");
        assertThat(loaded.db.position(0)).isEqualTo(21);
        // What the second writer met underneath: If-None-Match: * on an existing name is a 412.
        assertThatThrownBy(() -> objects.put(directory(42) + "manifest", new byte[] {1}, Precondition.ABSENT))
                .isInstanceOf(PreconditionFailedException.class);
        assertThatThrownBy(() -> objects.put(directory(42) + "part-000000", new byte[] {1}, Precondition.ABSENT))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(objectDigests()).isEqualTo(written);
    }

    @Test
    void aSnapshotLoadedCountsAsSavedSoTheSamePositionIsNotWrittenAgain() {
        State writer = state("writer");
        writer.put("key", "before the restart").at(2, 3);
        writer.saveTo(snapshots);

        SnapshotStore restarted = new SnapshotStore(objects, TOPIC, 2);
        State loaded = state("restarted");
        assertThat(restarted.loadNewest(loaded.db)).isTrue();

        assertThat(restarted.save(loaded.view(), PARTITIONS))
                .as("the position just loaded")
                .isFalse();
        assertThat(new SnapshotStore(objects, TOPIC, 2).save(loaded.view(), PARTITIONS))
                .as("the same position, by a store that did not load it")
                .isTrue();
        loaded.recount().put("key", "after the restart").at(3, 3);
        assertThat(restarted.save(loaded.view(), PARTITIONS)).isTrue();
        assertThat(snapshotDirectories()).containsExactly(directory(5), directory(6));
    }

    @Test
    void aLoadStoppedBetweenPartsLeavesAStateThatCountsAsEmpty() {
        State writer = state("writer");
        writer.put("key", "ten").at(5, 5);
        writer.saveTo(snapshots);

        State loading = state("stopped");
        assertThatThrownBy(() -> snapshots.loadNewest(loading.db, () -> false))
                .isInstanceOf(SnapshotStore.LoadStopped.class);
        assertThat(loading.db.isEmpty())
                .as("no positions: the next start loads the snapshot again")
                .isTrue();
        assertThat(loading.db.position(0)).isEqualTo(-1);
    }

    @Test
    void aSnapshotWithoutItsManifestIsIgnoredAndDeletedOnceOlderThanTheKeptOnes() {
        State none = state("nothing to load");
        assertThat(snapshots.loadNewest(none.db)).isFalse();
        State writer = state("writer");
        writer.put("key", "ten").at(5, 5);
        writer.saveTo(snapshots);
        writer.put("key", "twenty").at(10, 10);
        writer.saveTo(snapshots);
        // The writer of 20 stopped after its parts: no manifest, so not a snapshot.
        assertThat(objects.delete(directory(20) + "manifest")).isTrue();
        assertThat(objects.list(directory(20), null, 10).names()).isNotEmpty();

        State loaded = state("loaded");
        assertThat(snapshots.loadNewest(loaded.db)).isTrue();
        assertThat(loaded.recount().value("key")).isEqualTo("ten");
        assertThat(loaded.db.position(0)).isEqualTo(5);

        writer.put("key", "thirty").at(15, 15);
        writer.saveTo(snapshots);
        writer.put("key", "forty").at(20, 20);
        writer.saveTo(snapshots);
        assertThat(snapshotDirectories()).containsExactly(directory(30), directory(40));
        assertThat(objects.list(directory(20), null, 10).names()).isEmpty();
    }

    @Test
    void aStateLargerThanOnePartIsSplitIntoPartsAndLoadsBackWhole() {
        State writer = state("writer");
        Random random = new Random(42);
        int values = 20; // 20 MB: three parts of at most 8 MiB and a value each
        for (int i = 0; i < values; i++) {
            byte[] value = new byte[1_000_000];
            random.nextBytes(value);
            writer.put("big-" + i, value, null);
        }
        writer.at(values, 0);
        writer.saveTo(snapshots);

        List<String> parts = objects.list(directory(values), null, 100).names().stream()
                .filter(name -> !name.endsWith("/manifest"))
                .toList();
        assertThat(parts).hasSize(3);
        assertThat(parts)
                .containsExactly(
                        directory(values) + "part-000000",
                        directory(values) + "part-000001",
                        directory(values) + "part-000002");
        for (String part : parts) {
            assertThat(objects.get(part).orElseThrow().content().length)
                    .as(part)
                    .isLessThan(PART_BYTES + 1_100_000);
        }

        State loaded = state("loaded");
        assertThat(snapshots.loadNewest(loaded.db)).isTrue();
        assertThat(loaded.recount().store.entryCount()).isEqualTo(values);
        assertThat(loaded.store.byteCount()).isEqualTo(values * 1_000_000L);
        assertThat(loaded.contents()).isEqualTo(writer.contents());
    }

    @Test
    void aLoadCutShortLeavesAStateWithoutPositionsThatIsLoadedAgainAtTheNextStart() {
        State writer = state("writer");
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) { // 10 MB: two parts, the positions (the first keys of all) in the first
            byte[] value = new byte[1_000_000];
            random.nextBytes(value);
            writer.put("big-" + i, value, null);
        }
        writer.at(10, 0);
        writer.saveTo(snapshots);
        // The second part cannot be read: another writer deleted the snapshot meanwhile, or the instance was stopped.
        byte[] secondPart =
                objects.get(directory(10) + "part-000001").orElseThrow().content();
        objects.delete(directory(10) + "part-000001");

        State loading = state("loading");
        assertThatThrownBy(() -> snapshots.loadNewest(loading.db)).isInstanceOf(IllegalStateException.class);

        // Not taken for a whole state at the next start (the log follower goes on from a state with positions).
        assertThat(loading.db.isEmpty()).isTrue();
        assertThat(loading.db.position(0)).isEqualTo(-1);
        objects.put(directory(10) + "part-000001", secondPart, Precondition.ABSENT);
        assertThat(snapshots.loadNewest(loading.db)).isTrue();
        assertThat(loading.db.position(0)).isEqualTo(10);
        assertThat(loading.contents()).isEqualTo(writer.contents());
    }

    /** The directory of the snapshot at position sum {@code position}. */
    static String directory(long position) {
        return ROOT + String.format("%019d", position) + "/";
    }

    /** The snapshot directories in the store, complete or not, in order. */
    List<String> snapshotDirectories() {
        TreeSet<String> directories = new TreeSet<>();
        for (String name : objects.list(ROOT, null, 1000).names()) {
            directories.add(name.substring(0, name.lastIndexOf('/') + 1));
        }
        return List.copyOf(directories);
    }

    /** Every object in the store by name, as a digest of its content. */
    private Map<String, String> objectDigests() {
        Map<String, String> digests = new LinkedHashMap<>();
        for (String name : objects.list(ROOT, null, 1000).names()) {
            digests.put(
                    name, digest(objects.get(name).map(StoredObject::content).orElseThrow()));
        }
        return digests;
    }

    State state(String name) {
        State state = new State(TestState.open(states.resolve(name)), config);
        opened.add(state);
        return state;
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One instance's state, written as its log follower would write it: values on partition 0, statuses on 1. */
    static final class State {
        final StateDb db;
        final CacheConfig config;
        final CacheStore store;
        final StatusStore statuses;
        private final List<StateDb.View> views = new ArrayList<>();
        private long offset;

        State(StateDb db, CacheConfig config) {
            this.db = db;
            this.config = config;
            this.store = new CacheStore(db, config);
            this.statuses = new StatusStore(db, config);
        }

        State put(String key, String value) {
            return put(key, value.getBytes(StandardCharsets.UTF_8), null);
        }

        State put(String key, String value, Instant expiresAt) {
            return put(key, value.getBytes(StandardCharsets.UTF_8), expiresAt);
        }

        State put(String key, byte[] value, Instant expiresAt) {
            CacheChange change =
                    new CacheChange(CacheChange.Op.PUT, "ns", key, value, "text/plain", expiresAt, null, false, null);
            try (StateDb.Batch batch = db.batch()) {
                store.apply(batch, change, 0, offset++, Instant.now());
                batch.commit();
            }
            return this;
        }

        State accepted(String id) {
            byte[] change = StatusStore.encodeChange(
                    List.of(StatusDocument.of(StatusEvent.accepted(id, Instant.now(), "conversation"))));
            try (StateDb.Batch batch = db.batch()) {
                statuses.apply(batch, change);
                batch.commit();
            }
            return this;
        }

        /** The log applied up to these positions. */
        State at(long position0, long position1) {
            try (StateDb.Batch batch = db.batch()) {
                batch.position(0, position0);
                batch.position(1, position1);
                batch.commit();
            }
            return this;
        }

        /** After a snapshot was loaded: the cache reads its counters from the state, as the log follower has it. */
        State recount() {
            store.recount();
            return this;
        }

        String value(String key) {
            return new String(store.get("ns", key).orElseThrow().value(), StandardCharsets.UTF_8);
        }

        /** A frozen view, closed with the state. */
        StateDb.View view() {
            StateDb.View view = db.view();
            views.add(view);
            return view;
        }

        boolean saveTo(SnapshotStore snapshots) {
            try (StateDb.View view = db.view()) {
                return snapshots.save(view, PARTITIONS);
            }
        }

        /** Every key of every column with a digest of its value. */
        Map<Column, List<String>> contents() {
            Map<Column, List<String>> contents = new EnumMap<>(Column.class);
            try (StateDb.View view = db.view()) {
                for (Column column : Column.values()) {
                    List<String> entries = new ArrayList<>();
                    view.forEach(
                            column, (key, value) -> entries.add(HexFormat.of().formatHex(key) + "=" + digest(value)));
                    contents.put(column, entries);
                }
            }
            return contents;
        }

        void close() {
            views.forEach(StateDb.View::close);
            TestState.close(db);
        }
    }
}
