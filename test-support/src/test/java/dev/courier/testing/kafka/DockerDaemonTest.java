package dev.courier.testing.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The ping against real sockets: a daemon stand-in that answers as Docker does, one that does not, and none. */
class DockerDaemonTest {

    @Test
    void aDaemonAnsweringItsPingOnAUnixSocketAnswers() throws Exception {
        Path socket = Files.createTempDirectory("docker-test").resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread daemon = answerOnce(server, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nOK");
            assertThat(DockerDaemon.answers("unix://" + socket)).isTrue();
            daemon.join(5000);
        }
    }

    @Test
    void aSocketThatAnswersSomethingElseOrNothingDoesNotAnswer() throws Exception {
        Path socket = Files.createTempDirectory("docker-test").resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            answerOnce(server, "HTTP/1.0 500 Internal Server Error\r\n\r\nno");
            assertThat(DockerDaemon.answers("unix://" + socket)).isFalse();
        }
        assertThat(DockerDaemon.answers("unix://" + socket.resolveSibling("absent.sock")))
                .isFalse();
    }

    @Test
    void aTcpDaemonIsPingedAndAPortWithNoOneListeningDoesNotAnswer() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread daemon = new Thread(() -> {
                try (Socket client = server.accept()) {
                    client.getInputStream().read(new byte[1024]);
                    client.getOutputStream().write("HTTP/1.1 200 OK\r\n\r\nOK".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the test fails on the answer
                }
            });
            daemon.start();
            assertThat(DockerDaemon.answers("tcp://127.0.0.1:" + server.getLocalPort()))
                    .isTrue();
        }
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        assertThat(DockerDaemon.answers("tcp://127.0.0.1:" + closed)).isFalse();
    }

    @Test
    void thisMachineHasNoDaemonSoTheInJvmBrokerIsChosen() {
        // BUILD-NOTES: a docker client, no daemon. Where a daemon does answer, this says so instead of failing.
        org.junit.jupiter.api.Assumptions.assumeFalse(
                DockerDaemon.answers(), "a Docker daemon answers here: the Testcontainers broker is chosen");
        assertThat(KafkaBrokerSelection.choose(null, DockerDaemon::answers))
                .isEqualTo(KafkaBrokerSelection.Broker.IN_JVM);
    }

    private static Thread answerOnce(ServerSocketChannel server, String answer) {
        Thread daemon = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                client.read(ByteBuffer.allocate(1024));
                client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                // the test fails on the answer
            }
        });
        daemon.start();
        return daemon;
    }
}
