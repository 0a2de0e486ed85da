package dev.courier.cache.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.cache.config.CacheConfig;
import org.jboss.logging.Logger;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * This instance's materialized state, on local disk (RocksDB), off the Java heap: the generic cache's values, the
 * invocation status read model, the expiry index and the change-log position they were built up to, each in a column
 * of its own.
 *
 * <p>Invariant: the state and the position are written together, one {@link Batch} per batch of changes applied,
 * atomically. So the state on disk is always exactly "the log applied up to the stored position": a restart (even
 * after a crash) goes on from there, and a snapshot read through one RocksDB snapshot is consistent with the position
 * it holds.
 *
 * <p>Why RocksDB: an embedded, log-structured store whose memory is bounded by configuration (block cache, write
 * buffers), not by the number of entries, and whose point reads cost microseconds; it is what Kafka Streams keeps its
 * state in for the same reason.
 */
@ApplicationScoped
public class StateDb {
    private static final Logger LOG = Logger.getLogger(StateDb.class);
    private static final byte[] POSITION_PREFIX = "position/".getBytes(StandardCharsets.UTF_8);
    /** The change log the state is built from: a directory holds the state of one log only. */
    private static final byte[] LOG_KEY = "log".getBytes(StandardCharsets.UTF_8);

    static {
        RocksDB.loadLibrary();
    }

    /** The columns of the state. */
    public enum Column {
        /** Positions applied, and counters kept with the state. */
        META(RocksDB.DEFAULT_COLUMN_FAMILY),
        /** The generic cache: {@code namespace/key} → entry. */
        VALUES("values".getBytes(StandardCharsets.UTF_8)),
        /** The status read model: invocation id → status document. */
        STATUS("status".getBytes(StandardCharsets.UTF_8)),
        /** Expiry index: expiry instant, column and key → nothing, so that expired entries are found in time order. */
        EXPIRY("expiry".getBytes(StandardCharsets.UTF_8));

        private final byte[] name;

        Column(byte[] name) {
            this.name = name;
        }
    }

    private final Path directory;
    private byte[] log;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<Column, ColumnFamilyHandle> handles = new EnumMap<>(Column.class);
    private final WriteOptions writeOptions = new WriteOptions();
    private RocksDB db;

    @Inject
    public StateDb(CacheConfig config) {
        this(Path.of(config.state().directory()), config.state().blockCacheBytes(), config.changesTopic());
    }

    /** The state kept in {@code directory}, built from the default change log {@code courier.cache.changes}. */
    public StateDb(Path directory, long blockCacheBytes) {
        this(directory, blockCacheBytes, "courier.cache.changes");
    }

    /**
     * The state kept in {@code directory}, created when absent, built from the change log {@code topic}.
     *
     * @throws IllegalStateException when the directory holds the state of another change log
     */
    public StateDb(Path directory, long blockCacheBytes, String topic) {
        this.directory = directory;
        open(blockCacheBytes);
        byte[] built = get(Column.META, LOG_KEY);
        byte[] mine = topic.getBytes(StandardCharsets.UTF_8);
        this.log = mine;
        if (built == null) {
            try (Batch batch = batch()) {
                batch.put(Column.META, LOG_KEY, mine);
                batch.commit();
            }
        } else if (!java.util.Arrays.equals(built, mine)) {
            close();
            throw new IllegalStateException("the state in " + directory + " was built from the change log "
                    + new String(built, StandardCharsets.UTF_8) + ", not " + topic
                    + ": give this instance a directory of its own");
        }
    }

    private void open(long blockCacheBytes) {
        try {
            Files.createDirectories(directory);
            // Point reads of a state far larger than the block cache (10 million statuses, some 800 MB, against
            // 64 MB): with whole-file index and filter blocks in a plain LRU, the data blocks of random reads pushed
            // them out and a read loaded them again, file after file (a status GET took milliseconds of CPU). Now the
            // index and filter are partitioned, their top levels pinned, and they live in the cache's high-priority
            // half, so a read costs one partition of each and a data block.
            LRUCache cache = track(new LRUCache(blockCacheBytes, -1, false, 0.5));
            BlockBasedTableConfig table = new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setFilterPolicy(track(new BloomFilter(10)))
                    .setIndexType(IndexType.kTwoLevelIndexSearch)
                    .setPartitionFilters(true)
                    .setMetadataBlockSize(4096)
                    .setCacheIndexAndFilterBlocks(true)
                    .setCacheIndexAndFilterBlocksWithHighPriority(true)
                    .setPinTopLevelIndexAndFilter(true)
                    .setPinL0FilterAndIndexBlocksInCache(true);
            ColumnFamilyOptions columnOptions = track(new ColumnFamilyOptions()
                    .setTableFormatConfig(table)
                    .setWriteBufferSize(16L << 20)
                    .setMaxWriteBufferNumber(2));
            DBOptions options = track(new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(2));
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (Column column : Column.values()) {
                descriptors.add(new ColumnFamilyDescriptor(column.name, columnOptions));
            }
            List<ColumnFamilyHandle> opened = new ArrayList<>();
            db = RocksDB.open(options, directory.toString(), descriptors, opened);
            for (Column column : Column.values()) {
                handles.put(column, opened.get(column.ordinal()));
            }
            LOG.infof("state at %s", directory.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + directory, e);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open the state at " + directory + ": " + e.getMessage(), e);
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** The value at {@code key} in {@code column}, or null. */
    public byte[] get(Column column, byte[] key) {
        try {
            return db.get(handles.get(column), key);
        } catch (RocksDBException e) {
            throw new StateException("read failed", e);
        }
    }

    /** About how many keys {@code column} holds (RocksDB's estimate, cheap to ask). */
    public long estimatedKeys(Column column) {
        try {
            return db.getLongProperty(handles.get(column), "rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            throw new StateException("property read failed", e);
        }
    }

    /** A new batch of writes, applied atomically by {@link Batch#commit}. */
    public Batch batch() {
        return new Batch();
    }

    /** The position stored for {@code partition}: the offset of the next change to apply, or -1 when none is. */
    public long position(int partition) {
        byte[] value = get(Column.META, positionKey(partition));
        return value == null ? -1 : ByteBuffer.wrap(value).getLong();
    }

    /** Whether no change has been applied to this state yet (a new instance, or a new directory). */
    public boolean isEmpty() {
        try (RocksIterator iterator = db.newIterator(handles.get(Column.META))) {
            iterator.seek(POSITION_PREFIX);
            return !iterator.isValid() || !startsWith(iterator.key(), POSITION_PREFIX);
        }
    }

    /** Whether {@code key} of {@link Column#META} is a partition's position. */
    public static boolean isPositionKey(byte[] key) {
        return startsWith(key, POSITION_PREFIX);
    }

    /**
     * Removes every entry but the name of the log: for a state without positions (new, or a snapshot load cut short)
     * before a snapshot is loaded into it, so that nothing of an earlier, partial load stays behind. No key of any
     * column starts with byte 0xFF (they are UTF-8 text, or a positive time in big-endian order).
     */
    public void clear() {
        try {
            for (Column column : Column.values()) {
                db.deleteRange(handles.get(column), new byte[0], new byte[] {(byte) 0xFF});
            }
            db.put(handles.get(Column.META), LOG_KEY, log);
        } catch (RocksDBException e) {
            throw new StateException("clear failed", e);
        }
    }

    /** The key of {@code partition}'s position in {@link Column#META}. */
    public static byte[] positionKey(int partition) {
        return (new String(POSITION_PREFIX, StandardCharsets.UTF_8) + partition).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Calls {@code visit} with each key and value of {@code column} from {@code from} (inclusive) while the key starts
     * with {@code prefix} and {@code visit} answers true, at most {@code limit} times.
     */
    public void scan(Column column, byte[] prefix, byte[] from, int limit, BiPredicate<byte[], byte[]> visit) {
        try (RocksIterator iterator = db.newIterator(handles.get(column))) {
            int seen = 0;
            for (iterator.seek(from); iterator.isValid() && seen < limit; iterator.next()) {
                byte[] key = iterator.key();
                if (!startsWith(key, prefix) || !visit.test(key, iterator.value())) {
                    return;
                }
                seen++;
            }
        }
    }

    /**
     * A consistent, frozen view of the whole state (every column, the positions included) that writes made after it
     * do not change; close it when done.
     */
    public View view() {
        return new View();
    }

    /** Whether {@code key} starts with {@code prefix}. */
    public static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @PreDestroy
    void close() {
        handles.values().forEach(ColumnFamilyHandle::close);
        if (db != null) {
            db.close();
        }
        writeOptions.close();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.debugf("closing %s: %s", resources.get(i), e);
            }
        }
    }

    /** Writes applied together: reads through a batch see its own writes first. */
    public final class Batch implements AutoCloseable {
        private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
        private final ReadOptions readOptions = new ReadOptions();

        private Batch() {}

        /** The value at {@code key}, as this batch leaves it. */
        public byte[] get(Column column, byte[] key) {
            try {
                return batch.getFromBatchAndDB(db, handles.get(column), readOptions, key);
            } catch (RocksDBException e) {
                throw new StateException("read failed", e);
            }
        }

        /** Stores {@code value} at {@code key}. */
        public void put(Column column, byte[] key, byte[] value) {
            try {
                batch.put(handles.get(column), key, value);
            } catch (RocksDBException e) {
                throw new StateException("write failed", e);
            }
        }

        /** Removes {@code key}. */
        public void delete(Column column, byte[] key) {
            try {
                batch.delete(handles.get(column), key);
            } catch (RocksDBException e) {
                throw new StateException("write failed", e);
            }
        }

        /** Records that changes of {@code partition} are applied up to (not including) {@code nextOffset}. */
        public void position(int partition, long nextOffset) {
            put(
                    Column.META,
                    positionKey(partition),
                    ByteBuffer.allocate(8).putLong(nextOffset).array());
        }

        /** Whether the batch holds no write. */
        public boolean isEmpty() {
            return batch.count() == 0;
        }

        /** Writes everything in the batch, atomically. */
        public void commit() {
            try {
                db.write(writeOptions, batch);
            } catch (RocksDBException e) {
                throw new StateException("write failed", e);
            }
        }

        @Override
        public void close() {
            readOptions.close();
            batch.close();
        }
    }

    /** A frozen view of the state. */
    public final class View implements AutoCloseable {
        private final Snapshot snapshot = db.getSnapshot();
        private final ReadOptions readOptions = new ReadOptions().setSnapshot(snapshot);

        private View() {}

        /** The position of {@code partition} in this view, or -1. */
        public long position(int partition) {
            try {
                byte[] value = db.get(handles.get(Column.META), readOptions, positionKey(partition));
                return value == null ? -1 : ByteBuffer.wrap(value).getLong();
            } catch (RocksDBException e) {
                throw new StateException("read failed", e);
            }
        }

        /** Calls {@code visit} with every key and value of {@code column}, in key order. */
        public void forEach(Column column, BiConsumer<byte[], byte[]> visit) {
            try (RocksIterator iterator = db.newIterator(handles.get(column), readOptions)) {
                for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                    visit.accept(iterator.key(), iterator.value());
                }
            }
        }

        @Override
        public void close() {
            readOptions.close();
            db.releaseSnapshot(snapshot);
        }
    }

    /** The local state could not be read or written: the disk is full or broken. */
    public static final class StateException extends RuntimeException {
        StateException(String message, RocksDBException cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }
}
