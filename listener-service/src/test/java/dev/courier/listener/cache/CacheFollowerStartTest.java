package dev.courier.listener.cache;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.courier.listener.config.TestListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache follower started while the broker is away: it waits for the change log instead of ending. */
class CacheFollowerStartTest {

    @Test
    void aBrokerAwayAtStartUpDelaysTheFollowerAndDoesNotEndIt() throws Exception {
        ListenerKafka kafka = new ListenerKafka(Map.of("bootstrap.servers", "127.0.0.1:" + unusedPort()));
        CacheFollower follower = new CacheFollower(kafka, TestListenerConfig.of(Map.of()), Optional.empty(), List.of());
        follower.start(null);
        try {
            // The observation window: one metadata request gives up after 10 s, and until the retry that ended the
            // loop (liveness DOWN, the views never filled).
            Thread.sleep(11_500);
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
