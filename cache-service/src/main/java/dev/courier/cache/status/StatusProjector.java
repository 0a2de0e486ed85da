package dev.courier.cache.status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.log.ChangeLog;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.DeliveryHeaders;
import dev.courier.common.status.InvocationStatus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Projects invocation status from the records the system writes anyway (a request accepted, handed to a delay tier,
 * returned for an attempt, finished) into namespace {@value StatusDocument#NAMESPACE}: each record becomes a status
 * event, appended to the change log as a merge. No hot path makes an extra call for status.
 *
 * <p>At least once: offsets are committed after the batch's events are appended; an event applied twice merges to
 * the same document.
 */
@ApplicationScoped
public class StatusProjector implements Runnable {
    private static final Logger LOG = Logger.getLogger(StatusProjector.class);

    private final ChangeLog log;
    private final CacheConfig config;
    private final Map<String, Object> kafka;
    private final ObjectMapper mapper;
    private volatile boolean running;
    private volatile Thread thread;
    private KafkaConsumer<String, byte[]> consumer;

    public StatusProjector(
            ChangeLog log,
            CacheConfig config,
            ObjectMapper mapper,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.log = log;
        this.config = config;
        this.mapper = mapper;
        this.kafka = kafka;
    }

    void start(@Observes StartupEvent event) {
        if (config.role().writes() && config.status().enabled()) {
            running = true;
            thread = new Thread(this, "courier-cache-status-projector");
            thread.start();
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        Thread owner = thread;
        if (owner != null) {
            KafkaConsumer<String, byte[]> current = consumer;
            if (current != null) {
                current.wakeup();
            }
            owner.join(30_000);
        }
    }

    /**
     * Whether the projector is running, or is not meant to (a reader, or projection disabled): false once its thread
     * has ended other than by a stop (liveness).
     */
    public boolean isRunning() {
        Thread owner = thread;
        return owner == null || (running && owner.isAlive());
    }

    @Override
    public void run() {
        try {
            project();
        } catch (RuntimeException | Error e) {
            if (running) {
                LOG.error("the status projector stopped: statuses are no longer updated (liveness is DOWN)", e);
            }
            throw e;
        }
    }

    private void project() {
        Map<String, Object> props = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.status().groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        // Every batch polled so far is appended before the next poll, so the consumer's position is always safe to
        // commit. Commits are spaced by the commit interval; what is not committed yet is projected again after a
        // restart or rebalance, and merging an event twice changes nothing.
        long commitIntervalNanos = config.status().commitInterval().toNanos();
        long lastCommitNanos = System.nanoTime();
        boolean uncommitted = false;
        try {
            consumer.subscribe(topics());
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                    if (!records.isEmpty()) {
                        List<CompletableFuture<?>> appended = new ArrayList<>();
                        for (ConsumerRecord<String, byte[]> record : records) {
                            event(record).ifPresent(event -> appended.add(append(event)));
                        }
                        CompletableFuture.allOf(appended.toArray(CompletableFuture[]::new))
                                .join();
                        uncommitted = true;
                    }
                    if (uncommitted && System.nanoTime() - lastCommitNanos >= commitIntervalNanos) {
                        consumer.commitSync();
                        uncommitted = false;
                        lastCommitNanos = System.nanoTime();
                    }
                } catch (WakeupException e) {
                    // stop() woke us
                } catch (RuntimeException e) {
                    LOG.error("status projection failed; the batch will be read again", e);
                    uncommitted = false;
                    consumer.unsubscribe();
                    consumer.subscribe(topics());
                }
            }
            if (uncommitted) {
                try {
                    consumer.commitSync();
                } catch (RuntimeException e) {
                    LOG.warnf("final status commit failed; the last events will be projected again: %s", e.toString());
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private CompletableFuture<?> append(StatusDocument event) {
        Instant expiresAt = event.updatedAt().plus(config.status().retention());
        return log.append(new CacheChange(
                        CacheChange.Op.MERGE_STATUS,
                        StatusDocument.NAMESPACE,
                        event.id(),
                        event.toJson(),
                        "application/json",
                        expiresAt,
                        null,
                        false,
                        null))
                .toCompletableFuture();
    }

    /** The status event a record stands for, if it stands for one. */
    Optional<StatusDocument> event(ConsumerRecord<String, byte[]> record) {
        if ("callback".equals(header(record, "courier-kind")) || record.value() == null) {
            return Optional.empty(); // a parked callback: the invocation's outcome is on its way
        }
        JsonNode value;
        try {
            value = mapper.readTree(record.value());
        } catch (java.io.IOException e) {
            return Optional.empty(); // not JSON: the listener dead-letters it, and its failure record is projected
        }
        if (value == null || !value.isObject()) {
            return Optional.empty();
        }
        Instant at = Instant.ofEpochMilli(record.timestamp());
        if (config.status().recordTopics().contains(record.topic())) {
            return value.has("courier") ? Optional.of(finished(value)) : Optional.empty();
        }
        String id = value.hasNonNull("id")
                ? value.get("id").asText()
                : Ulid.derived(record.timestamp(), record.topic() + "/" + record.partition() + "/" + record.offset());
        String attemptsHeader = header(record, DeliveryHeaders.ATTEMPTS);
        int attempts = attemptsHeader == null ? 0 : Integer.parseInt(attemptsHeader);
        String acceptedHeader = header(record, DeliveryHeaders.ACCEPTED_AT);
        Instant acceptedAt = acceptedHeader == null ? at : Instant.parse(acceptedHeader);
        String nextHeader = header(record, DeliveryHeaders.NEXT_ATTEMPT_AT);
        Instant next = nextHeader == null ? null : Instant.parse(nextHeader);
        boolean waiting = config.status().delayTopics().contains(record.topic());
        InvocationStatus status;
        if (waiting) {
            status = attempts == 0 ? InvocationStatus.SCHEDULED : InvocationStatus.RETRYING;
        } else {
            // On the requests topic: new (ACCEPTED), or back from a tier for its next attempt (DISPATCHING).
            status = attempts == 0 && next == null ? InvocationStatus.ACCEPTED : InvocationStatus.DISPATCHING;
        }
        String correlationId =
                value.hasNonNull("correlationId") ? value.get("correlationId").asText() : id;
        return Optional.of(
                new StatusDocument(id, status, attempts, waiting ? next : null, acceptedAt, at, null, correlationId));
    }

    private List<String> topics() {
        List<String> topics = new ArrayList<>();
        topics.add(config.status().requestsTopic());
        topics.addAll(config.status().delayTopics());
        topics.addAll(config.status().recordTopics());
        return topics;
    }

    /** An invocation record (results or failures) as the terminal status event. */
    private static StatusDocument finished(JsonNode record) {
        JsonNode courier = record.get("courier");
        JsonNode response = record.at("/data/response");
        InvocationStatus status =
                switch (courier.path("condition").asText()) {
                    case "Success" -> InvocationStatus.SUCCEEDED;
                    case "EventAgeExceeded" -> InvocationStatus.EXPIRED;
                    case "Cancelled" -> InvocationStatus.CANCELLED;
                    default -> InvocationStatus.FAILED;
                };
        Instant completedAt = Instant.parse(courier.path("completedAt").asText());
        StatusDocument.LastResponse last = response.hasNonNull("status")
                ? new StatusDocument.LastResponse(response.get("status").asText(), completedAt)
                : null;
        return new StatusDocument(
                courier.path("invocationId").asText(),
                status,
                courier.path("attempts").asInt(),
                null,
                courier.hasNonNull("acceptedAt")
                        ? Instant.parse(courier.get("acceptedAt").asText())
                        : null,
                completedAt,
                last,
                record.at("/data/request/opcRequestId").asText(null));
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
