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
    void aSnapshotIsAFileForEachPartAndOneForItsManifest() {
        state("writer").put("key", "on disk").at(3, 4).saveTo(snapshots);

        Path snapshot = directory.resolve(directory(7));
        assertThat(Files.isRegularFile(snapshot.resolve("part-000000"))).isTrue();
        assertThat(Files.isRegularFile(snapshot.resolve("manifest"))).isTrue();
    }
}
