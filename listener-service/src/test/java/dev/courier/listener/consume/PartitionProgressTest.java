package dev.courier.listener.consume;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionProgressTest {

    @Test
    void theCommittablePositionMovesOnlyOverAContiguousRunOfCompletedOffsets() {
        PartitionProgress progress = new PartitionProgress();
        for (long offset = 10; offset < 15; offset++) {
            progress.dispatched(offset);
        }
        assertThat(progress.committable()).isEqualTo(-1);

        progress.completed(12);
        progress.completed(11);
        assertThat(progress.committable()).as("10 is still in flight").isEqualTo(-1);

        progress.completed(10);
        assertThat(progress.committable()).isEqualTo(13);

        progress.completed(14);
        assertThat(progress.committable()).as("13 is still in flight").isEqualTo(13);
        assertThat(progress.idle()).isFalse();

        progress.completed(13);
        assertThat(progress.committable()).isEqualTo(15);
        assertThat(progress.idle()).isTrue();
    }

    @Test
    void aCompletionOfAnUntrackedOffsetIsIgnored() {
        PartitionProgress progress = new PartitionProgress();
        progress.dispatched(5);
        progress.completed(99);
        assertThat(progress.committable()).isEqualTo(-1);
        progress.completed(5);
        assertThat(progress.committable()).isEqualTo(6);
    }

    @Test
    void toCommitNamesEachAdvancedPartitionOnceAndLeavesOutUntrackedOnes() {
        TopicPartition moved = new TopicPartition("t", 0);
        TopicPartition stuck = new TopicPartition("t", 1);
        TopicPartition revoked = new TopicPartition("t", 2);
        Map<TopicPartition, PartitionProgress> progress =
                Map.of(moved, new PartitionProgress(), stuck, new PartitionProgress());
        progress.get(moved).dispatched(7);
        progress.get(moved).completed(7);
        progress.get(stuck).dispatched(3);

        assertThat(PartitionProgress.toCommit(progress, List.of(moved, stuck, revoked)))
                .isEqualTo(Map.of(moved, new OffsetAndMetadata(8)));
        assertThat(PartitionProgress.toCommit(progress, List.of(moved, stuck, revoked)))
                .as("committed already")
                .isEmpty();
    }
}
