package dev.courier.cache.status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.state.ExpiryIndex;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.StateDb.Column;
import org.apache.kafka.common.utils.Utils;

/**
 * The invocation status read model (SPEC section 6): one {@link StatusDocument} per invocation id in
 * {@link StateDb}'s {@link Column#STATUS} column, each kept for {@code courier.cache.status.retention} after its last
 * event. Status arrives on the change log as status changes (op {@code STATUS}: a batch of documents, each merged into
 * the stored one), applied by the log follower in log order like every other change.
 *
 * <p>A reader may wait for an id to appear ({@link #await}): the accepter does so for an id it issued moments ago, so
 * that its own API reads its writes.
 */
@ApplicationScoped
public class StatusStore {
    private final StateDb db;
    private final Duration retention;
    private final Map<String, List<CompletableFuture<Optional<StatusDocument>>>> waiters = new ConcurrentHashMap<>();

    @Inject
    public StatusStore(StateDb db, CacheConfig config) {
        this(db, config.status().retention());
    }

    StatusStore(StateDb db, Duration retention) {
        this.db = db;
        this.retention = retention;
    }

    /** Folds every document of a status change into the stored ones, in {@code batch}. */
    public void apply(StateDb.Batch batch, byte[] change) {
        for (StatusDocument event : decodeChange(change)) {
            byte[] key = StatusDocument.key(event.id());
            byte[] stored = batch.get(Column.STATUS, key);
            StatusDocument current = stored == null ? null : StatusDocument.decode(stored);
            StatusDocument merged = StatusDocument.merge(current, event);
            batch.put(Column.STATUS, key, merged.encode());
            ExpiryIndex.update(batch, Column.STATUS, key, current == null ? null : expiry(current), expiry(merged));
        }
    }

    /** Removes the document at {@code key}, which the expiry index says expired at {@code at}. */
    public void expire(StateDb.Batch batch, byte[] key, Instant at) {
        byte[] stored = batch.get(Column.STATUS, key);
        if (stored != null && !expiry(StatusDocument.decode(stored)).isAfter(at)) {
            batch.delete(Column.STATUS, key);
        }
        ExpiryIndex.remove(batch, Column.STATUS, key, at);
    }

    /** About how many statuses are held (RocksDB's estimate). */
    public long estimatedCount() {
        return db.estimatedKeys(Column.STATUS);
    }

    /** The status of invocation {@code id}. */
    public Optional<StatusDocument> get(String id) {
        byte[] stored = db.get(Column.STATUS, StatusDocument.key(id));
        return stored == null ? Optional.empty() : Optional.of(StatusDocument.decode(stored));
    }

    /**
     * The status of {@code id}, as soon as there is one, or empty once {@code wait} has passed without one.
     */
    public CompletableFuture<Optional<StatusDocument>> await(String id, Duration wait) {
        Optional<StatusDocument> now = get(id);
        if (now.isPresent() || wait.isZero()) {
            return CompletableFuture.completedFuture(now);
        }
        CompletableFuture<Optional<StatusDocument>> waiter = new CompletableFuture<>();
        waiters.computeIfAbsent(id, key -> new CopyOnWriteArrayList<>()).add(waiter);
        release(id); // applied between the look-up and the registration
        return waiter.completeOnTimeout(Optional.empty(), wait.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> {
                    List<CompletableFuture<Optional<StatusDocument>>> list = waiters.get(id);
                    if (list != null) {
                        list.remove(waiter);
                        waiters.remove(id, List.of());
                    }
                });
    }

    /** After a batch is committed: answers the readers waiting for an id that now has a status. */
    public void releaseWaiters() {
        if (!waiters.isEmpty()) {
            waiters.keySet().forEach(this::release);
        }
    }

    private void release(String id) {
        List<CompletableFuture<Optional<StatusDocument>>> list = waiters.get(id);
        if (list == null || list.isEmpty()) {
            return;
        }
        Optional<StatusDocument> status = get(id);
        if (status.isPresent()) {
            list.forEach(waiter -> waiter.complete(status));
        }
    }

    private Instant expiry(StatusDocument document) {
        return document.updatedAt().plus(retention);
    }

    /** The change-log partition of invocation {@code id}'s status changes: always the same one, spread like keys. */
    public static int partitionOf(String id, int partitions) {
        return Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A status change's value: the documents, each in its stored form, behind their count. */
    public static byte[] encodeChange(List<StatusDocument> documents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 80 * documents.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(documents.size());
            for (StatusDocument document : documents) {
                document.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The documents of a status change. */
    public static List<StatusDocument> decodeChange(byte[] change) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(change))) {
            int count = in.readInt();
            List<StatusDocument> documents = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                documents.add(StatusDocument.readFrom(in));
            }
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("not a status change", e);
        }
    }
}
