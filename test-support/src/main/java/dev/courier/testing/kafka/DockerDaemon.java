package dev.courier.testing.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether a Docker daemon answers: {@code GET /_ping} on {@code DOCKER_HOST} ({@code unix://…} or {@code tcp://…}),
 * else on {@code /var/run/docker.sock}, answered {@code 200 OK} within a second. A {@code docker} client without a
 * daemon (as on the build machines here) does not answer.
 */
public final class DockerDaemon {
    private static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private DockerDaemon() {}

    /** Whether the daemon this environment names ({@code DOCKER_HOST}, or the default socket) answers. */
    public static boolean answers() {
        return answers(System.getenv("DOCKER_HOST"));
    }

    /** Whether the daemon at {@code dockerHost} (null: the default socket) answers its ping. */
    public static boolean answers(String dockerHost) {
        SocketAddress address;
        StandardProtocolFamily family;
        if (dockerHost == null || dockerHost.isBlank()) {
            if (!Files.exists(DEFAULT_SOCKET)) {
                return false;
            }
            address = UnixDomainSocketAddress.of(DEFAULT_SOCKET);
            family = StandardProtocolFamily.UNIX;
        } else if (dockerHost.startsWith("unix://")) {
            address = UnixDomainSocketAddress.of(dockerHost.substring("unix://".length()));
            family = StandardProtocolFamily.UNIX;
        } else if (dockerHost.startsWith("tcp://")) {
            URI uri = URI.create(dockerHost);
            address = new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort());
            family = StandardProtocolFamily.INET;
        } else {
            return false;
        }
        // A blocking channel has no read timeout of its own: the ping runs aside and is given up on after TIMEOUT.
        CompletableFuture<Boolean> ping = CompletableFuture.supplyAsync(() -> ping(address, family));
        try {
            return ping.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            ping.cancel(true);
            return false;
        }
    }

    private static boolean ping(SocketAddress address, StandardProtocolFamily family) {
        try (SocketChannel channel = SocketChannel.open(family)) {
            channel.connect(address);
            channel.write(
                    ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(1024);
            while (channel.read(answer) >= 0 && answer.hasRemaining()) {
                // read until the daemon closes (HTTP/1.0) or the buffer is full
            }
            String text = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII);
            return text.startsWith("HTTP/1.") && text.contains(" 200 ") && text.endsWith("OK");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
