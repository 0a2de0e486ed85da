package dev.courier.listener.oci;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InvokeEndpointsTest {
    private final AtomicInteger lookups = new AtomicInteger();
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final MutableClock clock = new MutableClock();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void invocationsArrivingTogetherWaitForOneLookup() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        InvokeEndpoints endpoints = new InvokeEndpoints(
                functionId -> {
                    lookups.incrementAndGet();
                    await(release);
                    return "https://" + functionId + ".example";
                },
                10,
                Duration.ofHours(1),
                clock);

        List<CompletableFuture<String>> resolved = IntStream.range(0, 8)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> endpoints.resolve("fn-a"), threads))
                .toList();
        Thread.sleep(200);
        release.countDown();

        for (CompletableFuture<String> endpoint : resolved) {
            assertThat(endpoint.get(5, TimeUnit.SECONDS)).isEqualTo("https://fn-a.example");
        }
        assertThat(lookups).hasValue(1);
    }

    @Test
    void anEndpointIsAskedForAgainAfterItsTimeToLive() {
        InvokeEndpoints endpoints = counting(10, Duration.ofMinutes(10));

        endpoints.resolve("fn-a");
        clock.advance(Duration.ofMinutes(9));
        endpoints.resolve("fn-a");
        assertThat(lookups).hasValue(1);

        clock.advance(Duration.ofMinutes(2));
        endpoints.resolve("fn-a");
        assertThat(lookups).hasValue(2);
    }

    @Test
    void theLeastRecentlyUsedFunctionIsForgottenFirst() {
        InvokeEndpoints endpoints = counting(2, Duration.ofHours(1));

        endpoints.resolve("fn-a");
        endpoints.resolve("fn-b");
        endpoints.resolve("fn-a"); // fn-b is now the least recently used
        endpoints.resolve("fn-c");
        assertThat(lookups).hasValue(3);

        endpoints.resolve("fn-a");
        assertThat(lookups).as("fn-a was kept").hasValue(3);
        endpoints.resolve("fn-b");
        assertThat(lookups).as("fn-b was forgotten").hasValue(4);
    }

    @Test
    void aFailedLookupIsNotRemembered() {
        InvokeEndpoints endpoints = new InvokeEndpoints(
                functionId -> {
                    if (lookups.incrementAndGet() == 1) {
                        throw new IllegalStateException("service unavailable");
                    }
                    return "https://" + functionId + ".example";
                },
                10,
                Duration.ofHours(1),
                clock);

        assertThatThrownBy(() -> endpoints.resolve("fn-a")).hasMessage("service unavailable");
        assertThat(endpoints.resolve("fn-a")).isEqualTo("https://fn-a.example");
        assertThat(lookups).hasValue(2);
    }

    private InvokeEndpoints counting(int capacity, Duration ttl) {
        return new InvokeEndpoints(
                functionId -> {
                    lookups.incrementAndGet();
                    return "https://" + functionId + ".example";
                },
                capacity,
                ttl,
                clock);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-22T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
