package dev.courier.cache.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.config.CacheConfig;
import io.quarkus.arc.DefaultBean;

/**
 * Snapshots as files in a directory, one per partition ({@code partition-<n>.snapshot}), replaced atomically: a
 * snapshot is written to a temporary file and moved over the old one, so a crash mid-write leaves the previous
 * snapshot intact.
 */
@DefaultBean
@ApplicationScoped
public class LocalSnapshotStore implements SnapshotStore {
    private final Path directory;

    public LocalSnapshotStore(CacheConfig config) {
        this.directory = config.snapshots().directory();
    }

    @Override
    public void save(Snapshot snapshot) {
        try {
            Files.createDirectories(directory);
            Path temporary = Files.createTempFile(directory, "partition-" + snapshot.partition() + "-", ".tmp");
            Files.write(temporary, snapshot.encode());
            Files.move(
                    temporary,
                    file(snapshot.partition()),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the snapshot of partition " + snapshot.partition(), e);
        }
    }

    @Override
    public Optional<Snapshot> latest(int partition) {
        Path file = file(partition);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Snapshot.decode(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    private Path file(int partition) {
        return directory.resolve("partition-" + partition + ".snapshot");
    }
}
