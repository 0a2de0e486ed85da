package dev.courier.listener.routes;

import java.util.Map;

import dev.courier.testing.http.RecordingHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A server on 127.0.0.1 reachable only through routes: loopback is refused here (as in production), and the routes
 * {@code internal} and {@code flaky} allow it, {@code locked} does not.
 */
public class RoutesResource implements QuarkusTestResourceLifecycleManager {
    private RecordingHttpServer server;

    @Override
    public Map<String, String> start() {
        server = RecordingHttpServer.start();
        return Map.of(
                "courier.listener.egress.allow-loopback", "false",
                "courier.listener.routes.internal.url", server.url("/internal?fixed=1"),
                "courier.listener.routes.internal.allow-private", "true",
                "courier.listener.routes.flaky.url", server.url("/flaky"),
                "courier.listener.routes.flaky.allow-private", "true",
                "courier.listener.routes.flaky.retry.max-attempts", "2",
                "courier.listener.routes.flaky.retry.initial-backoff", "200ms",
                "courier.listener.routes.locked.url", server.url("/locked"));
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(server, new TestInjector.MatchesType(RecordingHttpServer.class));
    }

    @Override
    public void stop() {
        server.close();
    }
}
