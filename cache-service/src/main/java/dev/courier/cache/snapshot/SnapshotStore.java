package dev.courier.cache.snapshot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.StateDb.Column;
import dev.courier.oci.storage.ObjectListing;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.Precondition;
import dev.courier.oci.storage.PreconditionFailedException;
import dev.courier.oci.storage.StoredObject;
import org.jboss.logging.Logger;

/**
 * Snapshots of the whole state in the service's {@link ObjectStore} (a local directory by default, an OCI Object
 * Storage bucket in the {@code oci} profile), so that a new instance starts from the newest one and replays only the
 * log written since, and nothing relies on Kafka compaction or retention.
 *
 * <p>A snapshot is read through one frozen {@link StateDb.View}, so its entries and the change-log positions in it
 * (they are entries of {@link Column#META}) always agree, while the log follower goes on applying changes. It is
 * written as parts of about {@value #PART_BYTES} bytes, {@code snapshots/<topic>/state/<position>/part-<n>}, then a
 * {@code manifest} naming how many: only a snapshot with a manifest is complete, and the heap needed is one part,
 * whatever the size of the state. {@code <position>} is the sum of the partitions' positions, zero-padded, so names
 * sort by position and the newest complete snapshot is the last one listed. Every object is written with
 * {@code If-None-Match: *}: two writers at one position hold the same state (the log decides it), so the second one's
 * 412 is no loss. The newest {@code courier.cache.snapshots.keep} are kept.
 */
@ApplicationScoped
public class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    private static final String PREFIX = "snapshots/";
    private static final String MANIFEST = "manifest";
    private static final int PART_BYTES = 8 << 20;
    private static final int FORMAT = 2;
    private static final int PAGE = 1000;
    private static final int LOAD_BATCH = 10_000;

    private final ObjectStore objects;
    private final String root;
    private final int keep;
    /** The position known to be in the store, saved or loaded here: an unchanged state is not written again. */
    private volatile long saved = -1;

    @Inject
    public SnapshotStore(ObjectStore objects, CacheConfig config) {
        this(objects, config.changesTopic(), config.snapshots().keep());
    }

    /** A store for the snapshots of the state built from {@code topic} that keeps the newest {@code keep}. */
    public SnapshotStore(ObjectStore objects, String topic, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("courier.cache.snapshots.keep must be at least 1");
        }
        this.objects = objects;
        this.root = PREFIX + topic + "/state/";
        this.keep = keep;
    }

    /**
     * Stores the state {@code view} shows of a log of {@code partitions} partitions as the newest snapshot, then deletes
     * the ones too old to keep; answers false when that position is stored already.
     */
    public boolean save(StateDb.View view, int partitions) {
        long position = 0;
        for (int partition = 0; partition < partitions; partition++) {
            position += Math.max(0, view.position(partition));
        }
        if (position == saved) {
            return false;
        }
        String directory = root + String.format("%019d", position) + "/";
        Parts parts = new Parts(directory);
        try {
            for (Column column : Column.values()) {
                view.forEach(column, (key, value) -> parts.add(column, key, value));
            }
            int count = parts.finish();
            objects.put(directory + MANIFEST, manifest(count, parts.entries, position), Precondition.ABSENT);
            LOG.infof("snapshot %s: %d entries in %d parts", directory, parts.entries, count);
        } catch (PreconditionFailedException e) {
            LOG.debugf("snapshot %s exists already (another writer took it); kept", directory);
        }
        saved = position;
        deleteOld();
        return true;
    }

    /** Loads the newest complete snapshot into {@code db}, which must be empty, to its end. */
    public boolean loadNewest(StateDb db) {
        return loadNewest(db, () -> true);
    }

    /**
     * Loads the newest complete snapshot into {@code db}, which must be empty; answers whether there was one.
     * {@code keepGoing} is asked before each part: once it answers false the load ends, cut short (see below), with
     * {@link LoadStopped}.
     */
    public boolean loadNewest(StateDb db, BooleanSupplier keepGoing) {
        List<String> complete = completeSnapshots();
        if (complete.isEmpty()) {
            return false;
        }
        String directory = complete.get(complete.size() - 1);
        DataInputStream manifest = read(directory + MANIFEST)
                .orElseThrow(() -> new IllegalStateException("snapshot " + directory + " disappeared while loading"));
        try {
            int format = manifest.readInt();
            if (format != FORMAT) {
                throw new IllegalStateException("snapshot " + directory + " has format " + format);
            }
            int count = manifest.readInt();
            long entries = 0;
            List<byte[][]> positions = new ArrayList<>();
            for (int part = 0; part < count; part++) {
                if (!keepGoing.getAsBoolean()) {
                    throw new LoadStopped(
                            "loading snapshot " + directory + " stopped at part " + part + " of " + count);
                }
                entries += load(db, directory + partName(part), positions);
            }
            // The positions last, once everything else is in: until then the state has none and counts as empty, so
            // a load cut short (a part deleted meanwhile, an outage, a stop) is done again at the next start rather
            // than taken for the whole state and followed from there.
            try (StateDb.Batch batch = db.batch()) {
                positions.forEach(position -> batch.put(Column.META, position[0], position[1]));
                batch.commit();
            }
            saved = Long.parseLong(directory.substring(root.length(), directory.length() - 1));
            LOG.infof("loaded snapshot %s: %d entries", directory, entries);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + directory + " is not readable", e);
        }
    }

    /** Loads one part into {@code db}, except the positions, which are added to {@code positions}. */
    private long load(StateDb db, String name, List<byte[][]> positions) throws IOException {
        DataInputStream in =
                read(name).orElseThrow(() -> new IllegalStateException("snapshot part " + name + " is missing"));
        Column[] columns = Column.values();
        long entries = 0;
        StateDb.Batch batch = db.batch();
        try {
            int column;
            while ((column = in.read()) >= 0) {
                byte[] key = in.readNBytes(in.readInt());
                byte[] value = in.readNBytes(in.readInt());
                if (columns[column] == Column.META && StateDb.isPositionKey(key)) {
                    positions.add(new byte[][] {key, value});
                    entries++;
                    continue;
                }
                batch.put(columns[column], key, value);
                if (++entries % LOAD_BATCH == 0) {
                    batch.commit();
                    batch.close();
                    batch = db.batch();
                }
            }
            batch.commit();
        } finally {
            batch.close();
        }
        return entries;
    }

    private Optional<DataInputStream> read(String name) {
        return objects.get(name)
                .map(StoredObject::content)
                .map(bytes -> new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    /** The directories of complete snapshots, oldest first. */
    private List<String> completeSnapshots() {
        List<String> complete = new ArrayList<>();
        for (String name : names()) {
            if (name.endsWith("/" + MANIFEST)) {
                complete.add(name.substring(0, name.length() - MANIFEST.length()));
            }
        }
        return complete;
    }

    /** Deletes every snapshot older than the newest {@code keep} complete ones, parts of unfinished ones included. */
    private void deleteOld() {
        List<String> complete = completeSnapshots();
        if (complete.size() <= keep) {
            return;
        }
        String oldestKept = complete.get(complete.size() - keep);
        for (String name : names()) {
            if (name.compareTo(oldestKept) < 0) {
                objects.delete(name);
            }
        }
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        String start = null;
        do {
            ObjectListing page = objects.list(root, start, PAGE);
            names.addAll(page.names());
            start = page.nextStart();
        } while (start != null);
        Collections.sort(names);
        return names;
    }

    private static String partName(int part) {
        return String.format("part-%06d", part);
    }

    private static byte[] manifest(int parts, long entries, long position) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeInt(parts);
            out.writeLong(entries);
            out.writeLong(position);
            out.writeUTF(Instant.now().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The parts of one snapshot being written: each is stored once it is full. */
    private final class Parts {
        private final String directory;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(PART_BYTES + (1 << 20));
        private final DataOutputStream out = new DataOutputStream(buffer);
        private int count;
        private long entries;

        Parts(String directory) {
            this.directory = directory;
        }

        void add(Column column, byte[] key, byte[] value) {
            try {
                out.writeByte(column.ordinal());
                out.writeInt(key.length);
                out.write(key);
                out.writeInt(value.length);
                out.write(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            entries++;
            if (buffer.size() >= PART_BYTES) {
                flush();
            }
        }

        int finish() {
            if (buffer.size() > 0 || count == 0) {
                flush();
            }
            return count;
        }

        private void flush() {
            objects.put(directory + partName(count), buffer.toByteArray(), Precondition.ABSENT);
            buffer.reset();
            count++;
        }
    }

    /** A snapshot load ended before it was complete because the service is stopping. */
    public static final class LoadStopped extends RuntimeException {
        LoadStopped(String message) {
            super(message);
        }
    }
}
