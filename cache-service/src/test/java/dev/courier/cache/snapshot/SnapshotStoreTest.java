package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import dev.courier.cache.store.CacheEntry;
import dev.courier.oci.storage.LocalObjectStore;
import dev.courier.oci.storage.ObjectStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots in a real local object store: naming, the newest wins, old ones go, a second writer changes nothing. */
class SnapshotStoreTest {
    private static final String TOPIC = "courier.cache.changes";

    @TempDir
    Path directory;

    ObjectStore objects;
    SnapshotStore snapshots;

    @BeforeEach
    void open() {
        objects = new LocalObjectStore(directory);
        snapshots = new SnapshotStore(objects, TOPIC, 2);
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
    }

    private static Snapshot snapshot(int partition, long nextOffset, String value) {
        CacheEntry entry = new CacheEntry(value.getBytes(StandardCharsets.UTF_8), "text/plain", "0-1", null, partition);
        return new Snapshot(partition, nextOffset, Instant.now(), Map.of("ns", Map.of("key", entry)));
    }

    private static String value(Snapshot snapshot) {
        return new String(snapshot.entries().get("ns").get("key").value(), StandardCharsets.UTF_8);
    }
}
