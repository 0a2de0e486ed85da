package dev.courier.cache.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.cache.config.CacheConfig;
import dev.courier.oci.storage.ObjectListing;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.Precondition;
import dev.courier.oci.storage.PreconditionFailedException;
import dev.courier.oci.storage.StoredObject;
import org.jboss.logging.Logger;

/**
 * Where snapshots are kept: objects in the service's {@link ObjectStore} (a local directory by default, an OCI Object
 * Storage bucket in the {@code oci} profile), named {@code snapshots/<changes topic>/<partition>/<next offset>} with
 * the offset zero-padded, so that names sort by position and the newest is the last one listed.
 *
 * <p>A snapshot is written with {@code If-None-Match: *}: a name is written once and never replaced. Two writers that
 * snapshot the same position hold the same state (the log decides it), so the second one's 412 is no loss. Older
 * snapshots beyond {@code courier.cache.snapshots.keep} are deleted after each new one. Nothing relies on Kafka
 * compaction, or on retention, as long as a snapshot is taken more often than the log's retention.
 */
@ApplicationScoped
public class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    private static final String PREFIX = "snapshots/";
    private static final int PAGE = 1000;
    /** A newest snapshot deleted between the listing and the read was replaced by a newer one: list again. */
    private static final int READ_ATTEMPTS = 3;

    private final ObjectStore objects;
    private final String topic;
    private final int keep;
    /**
     * The position per partition known to be in the store, saved or loaded by this instance: an unchanged partition is
     * not written again (after a restart, not even once: encoding a large partition again costs its size in heap).
     */
    private final Map<Integer, Long> saved = new ConcurrentHashMap<>();

    @Inject
    public SnapshotStore(ObjectStore objects, CacheConfig config) {
        this(objects, config.changesTopic(), config.snapshots().keep());
    }

    /** A store for the snapshots of {@code topic}'s partitions that keeps the newest {@code keep} of each. */
    SnapshotStore(ObjectStore objects, String topic, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("courier.cache.snapshots.keep must be at least 1");
        }
        this.objects = objects;
        this.topic = topic;
        this.keep = keep;
    }

    /** Whether the snapshot of {@code partition} at {@code nextOffset} is known to be stored already. */
    public boolean holds(int partition, long nextOffset) {
        return Long.valueOf(nextOffset).equals(saved.get(partition));
    }

    /** Stores {@code snapshot} as the newest of its partition, then deletes the ones too old to keep. */
    public void save(Snapshot snapshot) {
        int partition = snapshot.partition();
        if (holds(partition, snapshot.nextOffset())) {
            return;
        }
        String name = name(partition, snapshot.nextOffset());
        try {
            objects.put(name, snapshot.encode(), Precondition.ABSENT);
        } catch (PreconditionFailedException e) {
            LOG.debugf("snapshot %s exists already (another writer took it); kept", name);
        }
        saved.put(partition, snapshot.nextOffset());
        List<String> names = names(partition);
        for (String old : names.subList(0, Math.max(0, names.size() - keep))) {
            objects.delete(old);
        }
    }

    /** The newest snapshot of {@code partition}, if any. */
    public Optional<Snapshot> latest(int partition) {
        for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
            List<String> names = names(partition);
            if (names.isEmpty()) {
                return Optional.empty();
            }
            Optional<StoredObject> newest = objects.get(names.get(names.size() - 1));
            if (newest.isPresent()) {
                Snapshot snapshot = Snapshot.decode(newest.get().content());
                saved.put(partition, snapshot.nextOffset());
                return Optional.of(snapshot);
            }
        }
        throw new IllegalStateException("the newest snapshot of partition " + partition + " kept disappearing");
    }

    /** The names of {@code partition}'s snapshots, oldest first. */
    private List<String> names(int partition) {
        String prefix = PREFIX + topic + "/" + partition + "/";
        List<String> names = new ArrayList<>();
        String start = null;
        do {
            ObjectListing page = objects.list(prefix, start, PAGE);
            names.addAll(page.names());
            start = page.nextStart();
        } while (start != null);
        return names;
    }

    private String name(int partition, long nextOffset) {
        // 19 digits hold every long: names sort as positions do.
        return PREFIX + topic + "/" + partition + "/" + String.format("%019d", nextOffset);
    }
}
