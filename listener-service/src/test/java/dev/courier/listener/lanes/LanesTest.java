package dev.courier.listener.lanes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The lane rules, on one listener without a cache-service (the durable side is tested end to end). */
class LanesTest {
    private Lanes lanes;

    @BeforeEach
    void create() {
        lanes = new Lanes(Optional.empty(), new ObjectMapper(), new SimpleMeterRegistry());
    }

    @Test
    void everyOrderedRequestWaitsUntilTheLanesHaveCaughtUp() {
        assertThat(lanes.isBusy("a1", "a", new LanePosition(0, 1))).isTrue();
        lanes.caughtUp();
        assertThat(lanes.isBusy("a1", "a", new LanePosition(0, 1))).isFalse();
    }

    @Test
    void aRequestIsBusyOnlyWhileAnEarlierRequestOfItsKeyIsUnfinished() {
        lanes.caughtUp();
        lanes.enter("a1", "a", new LanePosition(0, 10));
        lanes.enter("a2", "a", new LanePosition(0, 12));
        lanes.enter("b1", "b", new LanePosition(0, 11));

        assertThat(lanes.isBusy("a1", "a", new LanePosition(0, 10))).isFalse();
        assertThat(lanes.isBusy("a2", "a", new LanePosition(0, 12))).isTrue();
        assertThat(lanes.isBusy("b1", "b", new LanePosition(0, 11))).isFalse();

        lanes.leave("a1");
        assertThat(lanes.isBusy("a2", "a", new LanePosition(0, 12))).isFalse();
    }

    @Test
    void enteringAgainKeepsTheFirstPlace() {
        lanes.caughtUp();
        lanes.enter("a1", "a", new LanePosition(0, 10));
        lanes.enter("a2", "a", new LanePosition(0, 12));
        lanes.enter("a1", "a", new LanePosition(0, 20)); // back from a delay tier at a later offset

        assertThat(lanes.isBusy("a2", "a", new LanePosition(0, 12))).isTrue();
    }

    @Test
    void aWaiterGetsItsTurnWhenTheRequestAheadLeaves() throws Exception {
        lanes.caughtUp();
        lanes.enter("a1", "a", new LanePosition(0, 1));
        lanes.enter("a2", "a", new LanePosition(0, 2));
        CompletableFuture<Boolean> turn = lanes.awaitTurn("a2", "a", new LanePosition(0, 2), Duration.ofSeconds(30))
                .toCompletableFuture();
        assertThat(turn).isNotDone();

        lanes.leave("a1");
        assertThat(turn.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aWaiterWhoseTurnDoesNotComeInTimeIsToldSo() throws Exception {
        lanes.caughtUp();
        lanes.enter("a1", "a", new LanePosition(0, 1));
        CompletableFuture<Boolean> turn = lanes.awaitTurn("a2", "a", new LanePosition(0, 2), Duration.ofMillis(50))
                .toCompletableFuture();
        assertThat(turn.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void entriesWrittenByAnotherListenerComeThroughTheChangeLog() throws Exception {
        lanes.caughtUp();
        lanes.put("a1", "{\"orderingKey\":\"a\",\"partition\":0,\"offset\":1}".getBytes(StandardCharsets.UTF_8), null);
        CompletableFuture<Boolean> turn = lanes.awaitTurn("a2", "a", new LanePosition(0, 2), Duration.ofSeconds(30))
                .toCompletableFuture();
        assertThat(lanes.isBusy("a2", "a", new LanePosition(0, 2))).isTrue();

        lanes.delete("a1");
        assertThat(turn.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void positionsOnOtherPartitionsDoNotOrder() {
        lanes.caughtUp();
        lanes.enter("a1", "a", new LanePosition(1, 1));
        assertThat(lanes.isBusy("a2", "a", new LanePosition(0, 5))).isFalse();
    }
}
