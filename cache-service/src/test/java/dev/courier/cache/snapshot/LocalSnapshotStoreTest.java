package dev.courier.cache.snapshot;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.courier.oci.storage.LocalObjectStore;
import dev.courier.oci.storage.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots in a local directory (the default store). */
class LocalSnapshotStoreTest extends SnapshotStoreContract {
    @TempDir
    Path directory;

    @Override
    ObjectStore openObjects() {
        return new LocalObjectStore(directory);
    }

    @Test
    void aSnapshotIsAFileAtItsName() {
        snapshots.save(snapshot(3, 7, "on disk"));

        assertThat(Files.isRegularFile(directory.resolve("snapshots/" + TOPIC + "/3/0000000000000000007")))
                .isTrue();
    }
}
