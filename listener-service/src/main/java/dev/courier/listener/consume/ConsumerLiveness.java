package dev.courier.listener.consume;

import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.listener.retry.DelayTierConsumer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the threads that read {@code courier.requests} and the delay tiers run. */
@Liveness
@ApplicationScoped
public class ConsumerLiveness implements HealthCheck {
    private final RequestConsumer requests;
    private final DelayTierConsumer delayTiers;

    public ConsumerLiveness(RequestConsumer requests, DelayTierConsumer delayTiers) {
        this.requests = requests;
        this.delayTiers = delayTiers;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("courier-consumers")
                .status(requests.isRunning() && delayTiers.isRunning())
                .withData("requests", requests.isRunning())
                .withData("delayTiers", delayTiers.isRunning())
                .build();
    }
}
