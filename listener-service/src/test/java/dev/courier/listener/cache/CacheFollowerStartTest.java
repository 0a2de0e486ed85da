package dev.courier.listener.cache;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.courier.listener.config.TestListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache follower started while the broker is away: it waits for the change log instead of ending. */
class CacheFollowerStartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aBrokerAwayAtStartUpDelaysTheFollowerAndDoesNotEndIt() throws Exception {
        ListenerKafka kafka = new ListenerKafka(Map.of("bootstrap.servers", "127.0.0.1:" + unusedPort()));
        CacheFollower follower = new CacheFollower(
                kafka, TestListenerConfig.of(Map.of()), Optional.empty(), List.of(), Duration.ofMillis(200));
        follower.start(null);
        try {
            // Before the retry, the first timed-out request ended the loop: no second request was ever made.
            Instant deadline = Instant.now().plus(WAIT);
            while (follower.metadataTimeouts() < 2
                    && follower.isRunning()
                    && Instant.now().isBefore(deadline)) {
                Thread.sleep(20);
            }
            assertThat(follower.metadataTimeouts())
                    .as("asked again after a timeout")
                    .isGreaterThanOrEqualTo(2);
            assertThat(follower.isLive())
                    .as("still waiting for the broker, not ended")
                    .isTrue();
        } finally {
            follower.stop(null);
        }
        assertThat(follower.isRunning()).isFalse();
    }

    /** A port on 127.0.0.1 where nothing listens. */
    private static int unusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
