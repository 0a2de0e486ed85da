package dev.courier.listener.cancel;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.cache.CacheChangeHeaders;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.kafka.ConsumerLoop;
import dev.courier.listener.kafka.ListenerKafka;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * The invocations cancelled by their callers, learned by following cache-service's change log (markers in namespace
 * {@value CacheNamespaces#CANCELLATIONS}): the listener checks a set in memory before each attempt, never makes a
 * remote call for it.
 *
 * <p>At start-up it first asks cache-service once for every marker it holds ({@code courier.listener.cache-url}),
 * because the log alone only goes back as far as its retention and a deferral can be cancelled 30 days before it is
 * due; then it follows the log from its earliest retained record.
 */
@Singleton
public class Cancellations extends ConsumerLoop {
    private static final Logger LOG = Logger.getLogger(Cancellations.class);
    private static final String PREFIX = CacheNamespaces.CANCELLATIONS + "/";
    private static final int STARTUP_TRIES = 5;

    private final ListenerKafka kafka;
    private final ListenerConfig config;
    /** Invocation id → when the marker expires. */
    private final Map<String, Instant> cancelled = new ConcurrentHashMap<>();

    private final ObjectMapper mapper;

    public Cancellations(ListenerKafka kafka, ListenerConfig config, ObjectMapper mapper) {
        super("courier-cancellations");
        this.kafka = kafka;
        this.config = config;
        this.mapper = mapper;
    }

    /** Whether the caller cancelled invocation {@code id}. */
    public boolean isCancelled(String id) {
        Instant until = cancelled.get(id);
        return until != null && Instant.now().isBefore(until);
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
        config.cacheUrl().ifPresent(this::loadFromCache);
        List<TopicPartition> partitions = List.of();
        while (running() && partitions.isEmpty()) {
            partitions = consumer.partitionsFor(config.cancellationsTopic(), Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @Override
    protected void turn(KafkaConsumer<String, byte[]> consumer) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            apply(record);
        }
        cancelled.values().removeIf(until -> Instant.now().isAfter(until));
    }

    /** Lists namespace {@value CacheNamespaces#CANCELLATIONS} from cache-service, page by page, a few tries. */
    private void loadFromCache(URI cache) {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int attempt = 1; attempt <= STARTUP_TRIES && running(); attempt++) {
            try {
                int loaded = 0;
                String cursor = null;
                do {
                    String path = "/v1/cache/" + CacheNamespaces.CANCELLATIONS + "?limit=1000"
                            + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                    HttpResponse<byte[]> response = client.send(
                            HttpRequest.newBuilder(cache.resolve(path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() != 200) {
                        throw new IOException("cache-service answered " + response.statusCode());
                    }
                    JsonNode page = mapper.readTree(response.body());
                    for (JsonNode key : page.path("keys")) {
                        // The list does not carry expiry; a cancelled id never becomes deliverable again anyway.
                        cancelled.putIfAbsent(key.asText(), Instant.MAX);
                        loaded++;
                    }
                    cursor = page.path("nextCursor").isTextual()
                            ? page.get("nextCursor").asText()
                            : null;
                } while (cursor != null);
                LOG.infof("loaded %d cancellation marker(s) from cache-service", loaded);
                return;
            } catch (IOException e) {
                LOG.warnf("could not list cancellations from %s (try %d of %d): %s", cache, attempt, STARTUP_TRIES, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pause(Duration.ofSeconds(1));
        }
        LOG.warn("going on with the change log alone: markers older than its retention are not known");
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || !record.key().startsWith(PREFIX)) {
            return;
        }
        String id = record.key().substring(PREFIX.length());
        String op = header(record, CacheChangeHeaders.OP);
        if ("PUT".equals(op)) {
            String expires = header(record, CacheChangeHeaders.EXPIRES_AT);
            cancelled.put(id, expires == null ? Instant.MAX : Instant.parse(expires));
        } else if ("DELETE".equals(op)) {
            cancelled.remove(id);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
