package dev.courier.oci.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link LocalObjectStore} on a real temporary directory. */
class LocalObjectStoreTest extends ObjectStoreContract {
    @TempDir
    Path directory;

    LocalObjectStore store;

    @BeforeEach
    void open() {
        store = new LocalObjectStore(directory);
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Test
    void anObjectIsAFileAtItsNameAndNoTemporaryFileIsLeftOrListed() throws Exception {
        store.put("bodies/01K", bytes("content"), Precondition.NONE);

        assertThat(directory.resolve("bodies/01K")).hasContent("content");
        assertThat(store.list("", null, 100).names()).containsExactly("bodies/01K");
        try (var temporary = Files.list(directory.resolve(".tmp"))) {
            assertThat(temporary).isEmpty();
        }
    }

    @Test
    void ofManyConcurrentIfNoneMatchWritersThroughTwoStoresOnOneDirectoryExactlyOneWins() throws Exception {
        List<ObjectStore> stores = List.of(store, new LocalObjectStore(directory));
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> attempts = new ArrayList<>();
            for (int writer = 0; writer < 32; writer++) {
                ObjectStore through = stores.get(writer % 2);
                byte[] content = bytes("writer " + writer);
                attempts.add(() -> {
                    try {
                        through.put("snapshots/0/00000000000000000042", content, Precondition.ABSENT);
                        return true;
                    } catch (PreconditionFailedException e) {
                        return false;
                    }
                });
            }
            int won = 0;
            for (Future<Boolean> attempt : writers.invokeAll(attempts)) {
                won += attempt.get() ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            writers.shutdownNow();
        }
    }
}
