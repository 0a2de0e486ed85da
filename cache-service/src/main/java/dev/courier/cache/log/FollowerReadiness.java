package dev.courier.cache.log;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the change log has been applied up to where it ended at start-up: reads before that could be stale. */
@Readiness
@ApplicationScoped
public class FollowerReadiness implements HealthCheck {
    private final LogFollower follower;

    public FollowerReadiness(LogFollower follower) {
        this.follower = follower;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("courier-cache-replay")
                .status(follower.isReady())
                .build();
    }
}
