package dev.courier.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * A service's liveness as far as its consumers go ({@value #NAME}): UP while every {@link ConsumerLoop} bean of the
 * service is live ({@link ConsumerLoop#isLive()}), with one datum per loop, named by its thread. A loop ends only on an
 * error that no retry survives; the service then no longer does that loop's part of its work however well it answers
 * (a listener whose cache follower ended would deliver invocations that were cancelled), so it must be restarted.
 *
 * <p>Every loop is found by type, so a new loop is covered without being listed anywhere.
 */
@Liveness
@Singleton
public class ConsumerLoopLiveness implements HealthCheck {
    /** The check's name in {@code /q/health/live}. */
    public static final String NAME = "courier-consumer-loops";

    private final Iterable<? extends ConsumerLoop<?, ?>> loops;

    @Inject
    public ConsumerLoopLiveness(Instance<ConsumerLoop<?, ?>> loops) {
        this.loops = loops;
    }

    /** Over {@code loops}, outside CDI. */
    ConsumerLoopLiveness(Iterable<? extends ConsumerLoop<?, ?>> loops) {
        this.loops = loops;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, Object> data = new TreeMap<>();
        boolean live = true;
        for (ConsumerLoop<?, ?> loop : loops) {
            boolean loopLive = loop.isLive();
            data.put(loop.name(), loopLive);
            live &= loopLive;
        }
        // The response's own constructor: the builder would need a Health implementation, which this module leaves
        // to the services.
        return new HealthCheckResponse(
                NAME, live ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN, Optional.of(data));
    }
}
