package dev.courier.accepter.wait;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationWaitersTest {
    private static final byte[] RECORD = "{}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aRecordCompletesEveryWaiterOfItsInvocationAndNoOther() {
        InvocationWaiters waiters = new InvocationWaiters(10, new SimpleMeterRegistry());
        InvocationWaiters.Waiter first = waiters.register("a");
        InvocationWaiters.Waiter second = waiters.register("a");
        InvocationWaiters.Waiter other = waiters.register("b");

        waiters.completed("a", RECORD);
        waiters.completed("unknown", RECORD);

        assertThat(first.record()).isCompletedWithValue(RECORD);
        assertThat(second.record()).isCompletedWithValue(RECORD);
        assertThat(other.record()).isNotDone();
        assertThat(waiters.size()).isEqualTo(1);
    }

    @Test
    void aCancelledWaiterIsGoneAndCountedOnce() {
        InvocationWaiters waiters = new InvocationWaiters(10, new SimpleMeterRegistry());
        InvocationWaiters.Waiter waiter = waiters.register("a");

        waiters.cancel(waiter);
        waiters.cancel(waiter);
        waiters.completed("a", RECORD);

        assertThat(waiter.record()).isNotDone();
        assertThat(waiters.size()).isZero();
    }

    @Test
    void beyondTheLimitNobodyIsRegistered() {
        InvocationWaiters waiters = new InvocationWaiters(2, new SimpleMeterRegistry());
        assertThat(waiters.register("a")).isNotNull();
        assertThat(waiters.register("b")).isNotNull();

        assertThat(waiters.register("c")).isNull();
        assertThat(waiters.size()).isEqualTo(2);
        waiters.completed("a", RECORD);
        assertThat(waiters.register("c")).isNotNull();
    }

    @Test
    void registeringCompletingAndCancellingAtOnceNeverLosesAWaiterOrTheCount() throws Exception {
        InvocationWaiters waiters = new InvocationWaiters(1_000_000, new SimpleMeterRegistry());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        String id = "id-" + (i % 50);
                        InvocationWaiters.Waiter waiter = waiters.register(id);
                        if ((i + thread) % 3 == 0) {
                            waiters.completed(id, RECORD);
                        } else {
                            waiters.cancel(waiter);
                        }
                        // Every waiter either was completed or is no longer registered.
                        if (!waiter.record().isDone()) {
                            waiters.cancel(waiter);
                        }
                    }
                }));
            }
            for (Future<?> done : work) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(waiters.size()).isZero();
    }
}
