package dev.courier.listener.limits;

import java.util.Map;

import dev.courier.testing.http.RecordingHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts two target servers before the listener, so that their origins can be configured with limits: one limited to
 * 20 calls per second, one whose circuit opens after 3 failures for 2 seconds.
 */
public class LimitedTargetsResource implements QuarkusTestResourceLifecycleManager {
    private RecordingHttpServer rateLimited;
    private RecordingHttpServer flaky;

    @Override
    public Map<String, String> start() {
        rateLimited = RecordingHttpServer.start();
        flaky = RecordingHttpServer.start();
        return Map.of(
                "courier.listener.limits.targets.\"" + origin(rateLimited) + "\".max-per-second",
                "20",
                "courier.listener.limits.failure-threshold",
                "3",
                "courier.listener.limits.open-duration",
                "2s");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                rateLimited, new TestInjector.AnnotatedAndMatchesType(RateLimited.class, RecordingHttpServer.class));
        testInjector.injectIntoFields(
                flaky, new TestInjector.AnnotatedAndMatchesType(Flaky.class, RecordingHttpServer.class));
    }

    @Override
    public void stop() {
        rateLimited.close();
        flaky.close();
    }

    static String origin(RecordingHttpServer server) {
        String url = server.url("/");
        return url.substring(0, url.length() - 1);
    }

    /** The server limited to 20 calls per second. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.FIELD)
    public @interface RateLimited {}

    /** The server used for the circuit breaker. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.FIELD)
    public @interface Flaky {}
}
