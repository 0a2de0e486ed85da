package dev.courier.cache.status;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.ChangeLog;
import dev.courier.cache.state.TestState;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A projector that starts while the broker does not answer yet: it asks for the change log's partitions again until
 * they are known, and does not end (which would leave statuses unprojected, with liveness DOWN, until a restart).
 */
class StatusProjectorStartTest {

    @Test
    void aBrokerThatAnswersLateDelaysTheProjectionAndNeverEndsIt() throws Exception {
        // The metadata wait of the change log's producer is the write timeout: short, so the real timeouts come fast.
        CacheConfig config = TestState.config("courier.cache.write-timeout", "200ms");
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());
        AtomicInteger asked = new AtomicInteger();
        ChangeLog log = new ChangeLog(config, kafka) {
            /** The real answer (a metadata timeout: nothing listens) twice, then the broker "answers". */
            @Override
            public int partitions() {
                return asked.incrementAndGet() <= 2 ? super.partitions() : 3;
            }
        };
        StatusProjector projector = new StatusProjector(log, config, new ObjectMapper(), kafka);
        try {
            projector.start(new StartupEvent());

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (asked.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(asked.get()).as("asked again after each timeout").isGreaterThanOrEqualTo(3);
            Thread.sleep(300); // past the answer: now subscribing and polling
            assertThat(projector.isLive())
                    .as("still projecting after two timeouts")
                    .isTrue();
        } finally {
            projector.stop(new ShutdownEvent());
            log.close();
        }
    }

    /** A port nothing listens on (bound, then released). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
