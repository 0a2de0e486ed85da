package dev.courier.listener.retry;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.listener.config.ListenerConfig;

/** The configured delay tiers, shortest first, and the choice of tier for a wait. */
@ApplicationScoped
public class DelayTiers {
    private final List<DelayTier> tiers;

    @Inject
    public DelayTiers(ListenerConfig config) {
        this(config.delay().topicPrefix(), config.delay().tiers());
    }

    DelayTiers(String topicPrefix, List<Duration> delays) {
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("courier.listener.delay.tiers must name at least one tier");
        }
        this.tiers = delays.stream()
                .distinct()
                .sorted()
                .map(delay -> new DelayTier(delay, topicPrefix + DelayTier.label(delay)))
                .toList();
    }

    /**
     * Where a record that must wait {@code remaining} waits next: the longest tier not longer than that, so it never
     * waits past its time; the shortest tier when the wait is shorter than every tier (it then leaves that tier as
     * soon as it is due).
     */
    public DelayTier tierFor(Duration remaining) {
        DelayTier chosen = tiers.get(0);
        for (DelayTier tier : tiers) {
            if (tier.delay().compareTo(remaining) <= 0) {
                chosen = tier;
            }
        }
        return chosen;
    }

    /** The tier whose topic is {@code topic}. */
    public Optional<DelayTier> byTopic(String topic) {
        return tiers.stream().filter(tier -> tier.topic().equals(topic)).findFirst();
    }

    /** Every tier's topic. */
    public List<String> topics() {
        return tiers.stream().map(DelayTier::topic).toList();
    }
}
