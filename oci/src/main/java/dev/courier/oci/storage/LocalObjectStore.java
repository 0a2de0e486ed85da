package dev.courier.oci.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An {@link ObjectStore} on a local directory: the store of local runs and tests, and of a single host. An object is a
 * file at its name below the directory ({@code bodies/01K…} is {@code <directory>/bodies/01K…}).
 *
 * <p>A put writes a temporary file and moves it into place atomically, so a reader sees the old object or the new
 * one, never part of one. Changes are decided under a lock held in this JVM and on {@code <directory>/.lock}, so
 * preconditions hold between processes that share the directory (an accepter and a listener on one machine). An
 * object's ETag is the SHA-256 of its content.
 */
public final class LocalObjectStore implements ObjectStore {
    /** One monitor per directory in this JVM: a file lock is held per process, not per thread or channel. */
    private static final ConcurrentMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

    private final Path directory;
    private final Path temporary;
    private final Path lockFile;
    private final Object monitor;

    public LocalObjectStore(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
        this.temporary = this.directory.resolve(".tmp");
        this.lockFile = this.directory.resolve(".lock");
        this.monitor = MONITORS.computeIfAbsent(this.directory, key -> new Object());
    }

    /** The directory the objects are in. */
    public Path directory() {
        return directory;
    }

    @Override
    public String put(String name, byte[] content, Precondition precondition) {
        Path target = file(name);
        Path written = null;
        try {
            Files.createDirectories(temporary);
            written = Files.createTempFile(temporary, "put-", ".tmp");
            Files.write(written, content);
            Path source = written;
            locked(() -> {
                // Only If-Match needs the current object's tag; If-None-Match: * only whether there is one, and
                // reading a large object (a snapshot) just to hash it would cost its size in heap.
                if (precondition instanceof Precondition.Absent && Files.exists(target)
                        || precondition instanceof Precondition.Matching matching
                                && !etagOf(target).map(matching.etag()::equals).orElse(false)) {
                    throw new PreconditionFailedException(name, precondition);
                }
                Files.createDirectories(target.getParent());
                Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return null;
            });
            return etag(content);
        } catch (IOException e) {
            throw new ObjectStoreException("could not store " + name + " in " + directory, e);
        } finally {
            deleteQuietly(written);
        }
    }

    @Override
    public Optional<StoredObject> get(String name) {
        Path file = file(name);
        try {
            byte[] content = Files.readAllBytes(file);
            return Optional.of(new StoredObject(content, etag(content)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("could not read " + name + " from " + directory, e);
        }
    }

    @Override
    public Optional<String> head(String name) {
        try {
            return etagOf(file(name));
        } catch (IOException e) {
            throw new ObjectStoreException("could not read " + name + " from " + directory, e);
        }
    }

    @Override
    public ObjectListing list(String prefix, String start, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        // Only the directory the prefix's complete segments name can hold matches: walk that one.
        int slash = prefix.lastIndexOf('/');
        String folder = slash < 0 ? "" : prefix.substring(0, slash);
        if (!folder.isEmpty() && !ObjectNames.valid(folder)) {
            return new ObjectListing(List.of(), null);
        }
        List<String> names = new ArrayList<>();
        try {
            Path root = folder.isEmpty() ? directory : directory.resolve(folder);
            if (Files.isDirectory(root)) {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                        return dir.equals(temporary) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        String name = nameOf(file);
                        if (attributes.isRegularFile()
                                && ObjectNames.valid(name)
                                && name.startsWith(prefix)
                                && (start == null || name.compareTo(start) >= 0)) {
                            names.add(name);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE; // deleted while we walked
                        }
                        throw e;
                    }
                });
            }
        } catch (IOException e) {
            throw new ObjectStoreException("could not list " + prefix + " in " + directory, e);
        }
        names.sort(null);
        if (names.size() <= limit) {
            return new ObjectListing(names, null);
        }
        return new ObjectListing(names.subList(0, limit), names.get(limit));
    }

    @Override
    public boolean delete(String name) {
        Path file = file(name);
        try {
            return locked(() -> Files.deleteIfExists(file));
        } catch (IOException e) {
            throw new ObjectStoreException("could not delete " + name + " from " + directory, e);
        }
    }

    private Path file(String name) {
        return directory.resolve(ObjectNames.checked(name));
    }

    private String nameOf(Path file) {
        return directory
                .relativize(file)
                .toString()
                .replace(file.getFileSystem().getSeparator(), "/");
    }

    private static Optional<String> etagOf(Path file) throws IOException {
        try {
            return Optional.of(etag(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static String etag(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Runs {@code change} holding this JVM's monitor for the directory and the directory's file lock. */
    private <T> T locked(Change<T> change) throws IOException {
        synchronized (monitor) {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                return change.run();
            }
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a stray temporary file is harmless: it is never listed
            }
        }
    }

    /** A change to the directory, made under the lock. */
    @FunctionalInterface
    private interface Change<T> {
        T run() throws IOException;
    }
}
