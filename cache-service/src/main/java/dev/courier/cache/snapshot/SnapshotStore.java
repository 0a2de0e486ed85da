package dev.courier.cache.snapshot;

import java.util.Optional;

/**
 * Where snapshots are kept: a local directory by default, OCI Object Storage in the {@code oci} profile. Snapshots
 * are what lets start-up replay a short log; nothing relies on Kafka compaction or on retention beyond 24 hours, as
 * long as a snapshot is taken more often than that.
 */
public interface SnapshotStore {

    /** Stores {@code snapshot} as the newest of its partition. */
    void save(Snapshot snapshot);

    /** The newest snapshot of {@code partition}, if any. */
    Optional<Snapshot> latest(int partition);
}
