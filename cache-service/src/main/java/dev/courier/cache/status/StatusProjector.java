package dev.courier.cache.status;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.log.ChangeLog;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.id.Ulid;
import dev.courier.common.status.StatusEvent;
import dev.courier.kafka.ConsumerLoop;
import dev.courier.kafka.KafkaSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Projects invocation status from the records the system writes anyway (a request accepted, handed to a delay tier,
 * returned for an attempt, finished) into the {@link StatusStore}: it reads the {@link StatusEvent} each record
 * carries (the contract between the services that take the steps and this read model; nothing here reads how the
 * listener keeps its delivery state), folds a poll's events per invocation and appends them to the change log as a
 * few status changes. No hot path makes an extra call for status.
 *
 * <p>At least once: offsets are committed after the batch's changes are appended; a document merged twice gives the
 * same document.
 */
@Singleton
public class StatusProjector extends ConsumerLoop<String, ByteBuffer> {
    private static final Logger LOG = Logger.getLogger(StatusProjector.class);
    private static final int DOCUMENTS_PER_CHANGE = 5000;
    /** A fetch's {@code fetch.min.bytes}: more than a {@link CacheConfig.Status#gather} of events at usual rates. */
    static final int GATHER_BYTES = 1024 * 1024;

    private final ChangeLog log;
    private final CacheConfig config;
    private final Map<String, Object> kafka;
    private final ObjectMapper mapper;
    private final long commitIntervalNanos;
    private volatile boolean meantToRun;
    /** Only the loop's thread reads and writes the three below. */
    private int partitions;

    private long lastCommitNanos;
    private boolean uncommitted;

    public StatusProjector(
            ChangeLog log,
            CacheConfig config,
            ObjectMapper mapper,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        super("courier-cache-status-projector");
        this.log = log;
        this.config = config;
        this.mapper = mapper;
        this.kafka = kafka;
        this.commitIntervalNanos = config.status().commitInterval().toNanos();
    }

    void start(@Observes StartupEvent event) {
        if (config.role().writes() && config.status().enabled()) {
            meantToRun = true;
            startLoop();
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopLoop(Duration.ofSeconds(30));
    }

    /**
     * Whether the projector is running, or is not meant to (a reader, or projection disabled): false once its thread
     * has ended other than by a stop.
     */
    @Override
    public boolean isLive() {
        return !meantToRun || isRunning();
    }

    @Override
    protected KafkaConsumer<String, ByteBuffer> open() {
        Map<String, Object> props = KafkaSettings.consumer(kafka);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.status().groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        gather(props, config.status().gather());
        // Values are read in place (no copy): most records carry their status event in a header.
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteBufferDeserializer());
    }

    /** Learns the change log's partitions (stopped meanwhile: no turn follows), then subscribes. */
    @Override
    protected void begin(KafkaConsumer<String, ByteBuffer> consumer) {
        partitions = changeLogPartitions();
        if (partitions > 0) {
            consumer.subscribe(topics());
            lastCommitNanos = System.nanoTime();
        }
    }

    /**
     * One poll, folded and appended before the next poll, so the consumer's position is always safe to commit. Commits
     * are spaced by the commit interval; what is not committed yet is projected again after a restart or rebalance,
     * and merging an event twice changes nothing.
     */
    @Override
    protected void turn(KafkaConsumer<String, ByteBuffer> consumer) {
        ConsumerRecords<String, ByteBuffer> records = consumer.poll(Duration.ofMillis(100));
        if (!records.isEmpty()) {
            Map<String, StatusDocument> folded = new LinkedHashMap<>();
            for (ConsumerRecord<String, ByteBuffer> record : records) {
                event(record).ifPresent(event -> folded.merge(event.id(), event, StatusDocument::merge));
            }
            if (!folded.isEmpty()) {
                append(folded).join();
            }
            uncommitted = true;
        }
        if (uncommitted && System.nanoTime() - lastCommitNanos >= commitIntervalNanos) {
            consumer.commitSync();
            uncommitted = false;
            lastCommitNanos = System.nanoTime();
        }
    }

    /** A batch not appended is read again: back to the committed offsets, after the usual pause. */
    @Override
    protected void recover(KafkaConsumer<String, ByteBuffer> consumer, RuntimeException error) {
        LOG.error("status projection failed; the batch will be read again", error);
        uncommitted = false;
        consumer.unsubscribe();
        pause(PAUSE_AFTER_ERROR);
        consumer.subscribe(topics());
    }

    @Override
    protected void end(KafkaConsumer<String, ByteBuffer> consumer) {
        if (uncommitted) {
            try {
                consumer.commitSync();
            } catch (RuntimeException e) {
                LOG.warnf("final status commit failed; the last events will be projected again: %s", e.toString());
            }
        }
    }

    /**
     * Lets the broker hold each fetch for {@code gather} unless {@value #GATHER_BYTES} bytes are there first, but never
     * fetch more often than the shared settings already allow. Measured at 1,000 invocations/s, a fetch that returns
     * at its first record made the projector append a change for almost every event, and every change-log reader read
     * each one (docs/benchmarks.md, 2026-12-07).
     */
    static void gather(Map<String, Object> props, Duration gather) {
        int sharedWait = intSetting(props.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 0);
        int sharedBytes = intSetting(props.get(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 1);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Math.max(sharedWait, (int) gather.toMillis()));
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Math.max(sharedBytes, GATHER_BYTES));
    }

    private static int intSetting(Object value, int absent) {
        return value == null ? absent : Integer.parseInt(value.toString().trim());
    }

    /**
     * The change log's partition count, asked until the broker answers: a broker that is slow or away at start-up
     * (the metadata wait is bounded by the write timeout) must delay the projection, never end it. Zero once stopped.
     */
    private int changeLogPartitions() {
        while (running()) {
            try {
                return log.partitions();
            } catch (RuntimeException e) {
                LOG.warnf("the change log's partitions are not known yet (%s); asking again", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
        }
        return 0;
    }

    /**
     * Folds the events of one polled batch per invocation (an invocation accepted and finished within one poll becomes
     * one document) and appends them as few status changes as possible: one per change-log partition an id hashes to,
     * each at most {@value #DOCUMENTS_PER_CHANGE} documents (about 400 KB, under the 1 MB record limit).
     */
    private CompletableFuture<Void> append(Map<String, StatusDocument> folded) {
        Map<Integer, List<StatusDocument>> byPartition = new HashMap<>();
        for (StatusDocument document : folded.values()) {
            byPartition
                    .computeIfAbsent(partitionOf(document.id()), partition -> new ArrayList<>())
                    .add(document);
        }
        List<CompletableFuture<?>> appended = new ArrayList<>();
        byPartition.forEach((partition, documents) -> {
            for (int from = 0; from < documents.size(); from += DOCUMENTS_PER_CHANGE) {
                List<StatusDocument> part =
                        documents.subList(from, Math.min(documents.size(), from + DOCUMENTS_PER_CHANGE));
                appended.add(log.append(
                                new CacheChange(
                                        CacheChange.Op.STATUS,
                                        CacheNamespaces.STATUS,
                                        "events",
                                        StatusStore.encodeChange(part),
                                        null,
                                        null,
                                        null,
                                        false,
                                        null),
                                partition)
                        .toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(appended.toArray(CompletableFuture[]::new));
    }

    private int partitionOf(String id) {
        return StatusStore.partitionOf(id, partitions);
    }

    /**
     * The status event a record stands for, if it stands for one: the {@link StatusEvent} the accepter or the listener
     * put on it, or, for a request a producer published directly (no event), {@code ACCEPTED} at the record's time.
     */
    Optional<StatusDocument> event(ConsumerRecord<String, ByteBuffer> record) {
        Header header = record.headers().lastHeader(StatusEvent.HEADER);
        if (header != null) {
            try {
                return Optional.of(StatusDocument.of(StatusEvent.decode(header.value())));
            } catch (IllegalArgumentException e) {
                LOG.debugf(
                        "a status event that is not readable at %s-%d@%d: %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
                return Optional.empty();
            }
        }
        if (!record.topic().equals(config.status().requestsTopic()) || record.value() == null) {
            return Optional.empty(); // a parked callback, or a record of no invocation
        }
        return directRequest(record);
    }

    /**
     * A request a producer published on its own: its {@code id}, {@code correlationId}, {@code tenant} and
     * {@code replayOf} (the listener's records carry the same), read without the rest.
     */
    private Optional<StatusDocument> directRequest(ConsumerRecord<String, ByteBuffer> record) {
        String id = null;
        String correlationId = null;
        String tenant = null;
        String replayOf = null;
        ByteBuffer value = record.value();
        byte[] bytes;
        int offset;
        if (value.hasArray()) {
            bytes = value.array();
            offset = value.arrayOffset() + value.position();
        } else {
            bytes = new byte[value.remaining()];
            value.duplicate().get(bytes);
            offset = 0;
        }
        try (JsonParser parser = mapper.getFactory().createParser(bytes, offset, value.remaining())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty(); // not a request: the listener dead-letters it, and its record is projected
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                if ("id".equals(field) && token == JsonToken.VALUE_STRING) {
                    id = parser.getText();
                } else if ("correlationId".equals(field) && token == JsonToken.VALUE_STRING) {
                    correlationId = parser.getText();
                } else if ("tenant".equals(field) && token == JsonToken.VALUE_STRING) {
                    tenant = parser.getText();
                } else if ("replayOf".equals(field) && token == JsonToken.VALUE_STRING) {
                    replayOf = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (id == null) {
            // The id the listener derives for a request without one (the same on every redelivery).
            id = Ulid.derived(record.timestamp(), record.topic() + "/" + record.partition() + "/" + record.offset());
        }
        Instant at = Instant.ofEpochMilli(record.timestamp());
        return Optional.of(StatusDocument.of(
                StatusEvent.accepted(id, at, correlationId != null ? correlationId : id, tenant, replayOf)));
    }

    private List<String> topics() {
        List<String> topics = new ArrayList<>();
        topics.add(config.status().requestsTopic());
        topics.addAll(config.status().delayTopics());
        topics.addAll(config.status().recordTopics());
        return topics;
    }
}
