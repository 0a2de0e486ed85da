package dev.courier.listener.consume;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one partition that are dispatched but not yet committable. Records complete out of order; the
 * committable position only ever moves over a contiguous run of completed offsets.
 *
 * <p>Invariant: commit only the contiguous completed prefix. A gap means an unfinished call, and committing past it
 * would lose that call if this listener crashed.
 *
 * <p>Not thread-safe: used by one consumer thread only.
 */
public final class PartitionProgress {
    /** Dispatched offsets in the order they were read (ascending). */
    private final ArrayDeque<Long> pending = new ArrayDeque<>();

    private final Map<Long, Boolean> done = new HashMap<>();
    private long committable = -1;
    private long committed = -1;

    /** Records that {@code offset} was dispatched. Offsets arrive in ascending order. */
    public void dispatched(long offset) {
        pending.addLast(offset);
        done.put(offset, Boolean.FALSE);
    }

    /** Records that {@code offset}'s outcome is durable, and advances the committable position if it can. */
    public void completed(long offset) {
        if (done.replace(offset, Boolean.TRUE) == null) {
            return; // not tracked: dispatched before a rebalance took the partition away
        }
        while (!pending.isEmpty() && done.get(pending.peekFirst())) {
            long head = pending.pollFirst();
            done.remove(head);
            committable = head + 1;
        }
    }

    /** The position to commit (the next offset to read after a restart), or -1 if nothing completed yet. */
    public long committable() {
        return committable;
    }

    /**
     * Whether the committable position moved since the last call that answered true; the caller then commits
     * {@link #committable()}.
     */
    public boolean advanceCommitted() {
        if (committable > committed) {
            committed = committable;
            return true;
        }
        return false;
    }

    /**
     * What to commit for {@code partitions}: the committable position of each one whose position moved since its last
     * commit ({@link #advanceCommitted()}, so each is marked committed here). A partition {@code progress} no longer
     * tracks (revoked meanwhile) is left out.
     */
    public static Map<TopicPartition, OffsetAndMetadata> toCommit(
            Map<TopicPartition, PartitionProgress> progress, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionProgress partitionProgress = progress.get(partition);
            if (partitionProgress != null && partitionProgress.advanceCommitted()) {
                offsets.put(partition, new OffsetAndMetadata(partitionProgress.committable()));
            }
        }
        return offsets;
    }

    /** Whether every dispatched offset has completed. */
    public boolean idle() {
        return pending.isEmpty();
    }
}
