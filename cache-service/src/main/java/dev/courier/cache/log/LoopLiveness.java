package dev.courier.cache.log;

import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.cache.status.StatusProjector;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the threads that do this instance's work run: the change-log follower, and on a writer the status
 * projector. Either can end on an error that no retry survives (an {@link OutOfMemoryError} when the heap is too small
 * for what the log holds); the instance is then restarted rather than left answering with a state that no longer
 * moves.
 */
@Liveness
@ApplicationScoped
public class LoopLiveness implements HealthCheck {
    private final LogFollower follower;
    private final StatusProjector projector;

    public LoopLiveness(LogFollower follower, StatusProjector projector) {
        this.follower = follower;
        this.projector = projector;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("courier-cache-loops")
                .status(follower.isRunning() && projector.isLive())
                .withData("logFollower", follower.isRunning())
                .withData("statusProjector", projector.isLive())
                .build();
    }
}
