package dev.courier.listener.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.common.cache.CacheChangeHeaders;
import dev.courier.kafka.ConsumerLoop;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * Keeps the listener's {@link CacheView}s up to date by following cache-service's change log
 * ({@code courier.listener.cache-changes-topic}): the listener checks its views in memory and never makes a remote
 * call to read them.
 *
 * <p>At start-up it first asks cache-service once for each view's entries ({@code courier.listener.cache-url}),
 * because the log only goes back as far as its retention while an entry can live for 30 days; then it reads the log
 * from its earliest retained record. Once it has read up to where the log ended at start-up, the views have caught
 * up. A conditional write the cache refused is in the log too; the views only hold entries Courier writes
 * unconditionally, so that does not matter.
 */
@Singleton
public class CacheFollower extends ConsumerLoop<String, byte[]> {
    private static final Logger LOG = Logger.getLogger(CacheFollower.class);
    private static final int STARTUP_TRIES = 5;
    private static final Duration STARTUP_READ_TIMEOUT = Duration.ofSeconds(10);
    /** How long one request for the change log's partitions may take before it is made again. */
    private static final Duration METADATA_WAIT = Duration.ofSeconds(10);

    private final ListenerKafka kafka;
    private final ListenerConfig config;
    private final Optional<CacheServiceClient> cache;
    private final Map<String, CacheView> views = new HashMap<>();
    private final Duration metadataWait;
    /** Requests for the change log's partitions that timed out at start-up (the broker away), as logged. */
    private volatile int metadataTimeouts;
    /** Where the log ended when the follower started; emptied as each partition is read that far. */
    private Map<TopicPartition, Long> catchUpTo = Map.of();

    @Inject
    public CacheFollower(
            ListenerKafka kafka, ListenerConfig config, Optional<CacheServiceClient> cache, Instance<CacheView> views) {
        this(kafka, config, cache, (Iterable<CacheView>) views, METADATA_WAIT);
    }

    /** Over {@code views}, outside CDI, asking for the change log's partitions for up to {@code metadataWait} a time. */
    CacheFollower(
            ListenerKafka kafka,
            ListenerConfig config,
            Optional<CacheServiceClient> cache,
            Iterable<CacheView> views,
            Duration metadataWait) {
        super("courier-cache-follower");
        this.kafka = kafka;
        this.config = config;
        this.cache = cache;
        this.metadataWait = metadataWait;
        views.forEach(view -> this.views.put(view.namespace(), view));
    }

    /** How many requests for the change log's partitions timed out at start-up. */
    int metadataTimeouts() {
        return metadataTimeouts;
    }

    void start(@Observes StartupEvent event) {
        startLoop();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopLoop(Duration.ofSeconds(10));
    }

    @Override
    protected KafkaConsumer<String, byte[]> open() {
        // No group: every listener reads every partition from the start, like a cache replica.
        return kafka.consumer(null, 500);
    }

    @Override
    protected void begin(KafkaConsumer<String, byte[]> consumer) {
        if (cache.isPresent()) {
            views.values().forEach(this::load);
        } else {
            LOG.warn(
                    "no courier.listener.cache-url: the listener knows only the cache entries still in the change log");
        }
        // Asked until the broker answers: a broker that is away at start-up delays the follower, never ends it.
        List<TopicPartition> partitions = List.of();
        while (running() && partitions.isEmpty()) {
            try {
                partitions = consumer.partitionsFor(config.cacheChangesTopic(), metadataWait).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition()))
                        .toList();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                metadataTimeouts++; // only this loop's thread writes it
                LOG.warnf(
                        "the partitions of %s are not known yet (%s, %d times); asking again",
                        config.cacheChangesTopic(), e, metadataTimeouts);
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        catchUpTo = new HashMap<>(consumer.endOffsets(partitions));
        checkCaughtUp(consumer);
    }

    @Override
    protected void turn(KafkaConsumer<String, byte[]> consumer) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            apply(record);
        }
        checkCaughtUp(consumer);
    }

    private void checkCaughtUp(KafkaConsumer<String, byte[]> consumer) {
        if (catchUpTo.isEmpty()) {
            return;
        }
        catchUpTo.entrySet().removeIf(end -> consumer.position(end.getKey()) >= end.getValue());
        if (catchUpTo.isEmpty()) {
            LOG.info("caught up with cache-service's change log");
            views.values().forEach(CacheView::caughtUp);
        }
    }

    /** Lists {@code view}'s namespace from cache-service, a few tries; the log alone is the fallback. */
    private void load(CacheView view) {
        for (int attempt = 1; attempt <= STARTUP_TRIES && running(); attempt++) {
            try {
                List<String> keys = cache.get().keys(view.namespace());
                for (String key : keys) {
                    if (!view.needsValues()) {
                        view.put(key, null, null);
                    } else {
                        CacheServiceClient.Reply value = cache.get()
                                .get(view.namespace(), key)
                                .toCompletableFuture()
                                .get(STARTUP_READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        if (value.status() == 200) {
                            view.put(key, value.body(), null);
                        } else if (value.status() != 404) {
                            throw new IOException("cache-service answered " + value.status() + " to a get");
                        }
                    }
                }
                LOG.infof("loaded %d entries of %s from cache-service", keys.size(), view.namespace());
                return;
            } catch (IOException | ExecutionException | TimeoutException e) {
                LOG.warnf(
                        "could not list %s from cache-service (try %d of %d): %s",
                        view.namespace(), attempt, STARTUP_TRIES, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause(Duration.ofSeconds(1));
        }
        LOG.warnf("going on with the change log alone for %s: older entries are not known", view.namespace());
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        String recordKey = record.key();
        int slash = recordKey == null ? -1 : recordKey.indexOf('/');
        CacheView view = slash < 0 ? null : views.get(recordKey.substring(0, slash));
        if (view == null) {
            return;
        }
        String key = recordKey.substring(slash + 1);
        String op = header(record, CacheChangeHeaders.OP);
        if ("PUT".equals(op)) {
            String expires = header(record, CacheChangeHeaders.EXPIRES_AT);
            view.put(key, record.value(), expires == null ? null : Instant.parse(expires));
        } else if ("DELETE".equals(op)) {
            view.delete(key);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
