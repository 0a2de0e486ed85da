package dev.courier.listener.consume;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the thread that reads {@code courier.requests} runs. */
@Liveness
@ApplicationScoped
public class ConsumerLiveness implements HealthCheck {
    private final RequestConsumer consumer;

    public ConsumerLiveness(RequestConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("courier-request-consumer")
                .status(consumer.isRunning())
                .build();
    }
}
