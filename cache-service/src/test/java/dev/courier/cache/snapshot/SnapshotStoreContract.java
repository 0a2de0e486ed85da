package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import dev.courier.cache.store.CacheEntry;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.Precondition;
import dev.courier.oci.storage.PreconditionFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the snapshot store does over any object store: naming, the newest wins, old ones go, a second writer changes
 * nothing. {@link LocalSnapshotStoreTest} runs it on a directory, {@link OciSnapshotStoreTest} through the Object
 * Storage adapter.
 */
abstract class SnapshotStoreContract {
    static final String TOPIC = "courier.cache.changes";

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
    void closeObjects() {
        objects.close();
    }

    @Test
    void theNewestSnapshotOfAPartitionIsTheOneLoadedAndOnlyTheNewestTwoAreKept() {
        snapshots.save(snapshot(1, 9, "nine"));
        snapshots.save(snapshot(1, 120, "one-twenty"));
        snapshots.save(snapshot(1, 1000, "thousand"));
        snapshots.save(snapshot(0, 5, "other partition"));

        Snapshot latest = snapshots.latest(1).orElseThrow();
        assertThat(latest.nextOffset()).isEqualTo(1000);
        assertThat(value(latest)).isEqualTo("thousand");
        assertThat(objects.list("snapshots/" + TOPIC + "/1/", null, 10).names())
                .containsExactly(
                        "snapshots/courier.cache.changes/1/0000000000000000120",
                        "snapshots/courier.cache.changes/1/0000000000000001000");
        assertThat(value(snapshots.latest(0).orElseThrow())).isEqualTo("other partition");
        assertThat(snapshots.latest(2)).isEmpty();
    }

    @Test
    void aSecondWriterAtTheSamePositionDoesNotReplaceTheFirstOnesSnapshot() {
        SnapshotStore otherWriter = new SnapshotStore(objects, TOPIC, 2);
        snapshots.save(snapshot(0, 42, "first writer"));

        otherWriter.save(snapshot(0, 42, "second writer"));

        assertThat(value(snapshots.latest(0).orElseThrow())).isEqualTo("first writer");
        // What the second writer met underneath: If-None-Match: * on an existing name is a 412.
        assertThatThrownBy(() -> objects.put(
                        "snapshots/" + TOPIC + "/0/0000000000000000042",
                        snapshot(0, 42, "third writer").encode(),
                        Precondition.ABSENT))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(value(snapshots.latest(0).orElseThrow())).isEqualTo("first writer");
    }

    @Test
    void aSnapshotLoadedAtStartCountsAsSavedSoTheSamePositionIsNotWrittenAgain() {
        snapshots.save(snapshot(0, 5, "before the restart"));
        SnapshotStore restarted = new SnapshotStore(objects, TOPIC, 2);
        assertThat(restarted.holds(0, 5)).isFalse();

        assertThat(value(restarted.latest(0).orElseThrow())).isEqualTo("before the restart");

        assertThat(restarted.holds(0, 5)).isTrue();
        assertThat(restarted.holds(0, 6)).isFalse();
        assertThat(restarted.holds(1, 5)).isFalse();
    }

    static Snapshot snapshot(int partition, long nextOffset, String value) {
        CacheEntry entry = new CacheEntry(value.getBytes(StandardCharsets.UTF_8), "text/plain", "0-1", null, partition);
        return new Snapshot(partition, nextOffset, Instant.now(), Map.of("ns", Map.of("key", entry)));
    }

    static String value(Snapshot snapshot) {
        return new String(snapshot.entries().get("ns").get("key").value(), StandardCharsets.UTF_8);
    }
}
