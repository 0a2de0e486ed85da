package dev.courier.accepter.replay;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.courier.accepter.intake.Acceptance;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.request.Callback;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.oci.storage.ClaimCheck;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * One run of a replay: reads the failures topic from the first record at or after {@code from} (found with
 * {@code offsetsForTimes}) up to the end offsets captured when the run started, and hands every matching failure's
 * request to the intake ({@link RequestAcceptor}) again, under a new invocation id, linked to the original by
 * {@code replayOf}.
 *
 * <p>Invariant: a failure is enqueued at most once per replay id, however often the replay runs: each new invocation
 * is accepted with the idempotency key {@code replay:<replay id>:<original invocation id>}, so a second run gets the
 * first run's invocation back (a duplicate) instead of publishing another. Records written after the start are not
 * read: a replay ends, even while the listener keeps writing failures (the replayed ones among them).
 *
 * <p>The original request comes from the failure record ({@code courier.request}), sealed as it was stored: its
 * sealed header values are opened here, in memory, and sealed again for the new id as the intake publishes it (a
 * sealed value is bound to its invocation id). Absolute times in the past ({@code deliverAt}, {@code expiresAt}) are
 * dropped: the replay is due now, and an expiry already passed would end it at once.
 */
final class ReplayRun implements Runnable {
    private static final Logger LOG = Logger.getLogger(ReplayRun.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final ReplaySpec spec;
    /** The tenant whose failures this run replays; another tenant's records are not even counted as scanned. */
    private final String tenant;

    private final String defaultTenant;
    private final String topic;
    private final Map<String, Object> consumerConfig;
    private final RequestAcceptor acceptor;
    private final SealedHeaders sealing;
    private final ClaimCheck claimCheck;
    private final ObjectMapper mapper;
    private final ObjectReader records;
    private final int batchSize;
    private final Duration acceptTimeout;
    private final Duration progressInterval;
    private final Consumer<ReplayProgress> progressSink;
    private final Instant startedAt = Instant.now();

    private volatile ReplayState state = ReplayState.RUNNING;
    private volatile String error;
    private volatile boolean stopped;
    private long scanned;
    private long matched;
    private long enqueued;
    private long duplicates;
    private long skipped;
    private long failed;

    ReplayRun(
            ReplaySpec spec,
            String tenant,
            String defaultTenant,
            String topic,
            Map<String, Object> consumerConfig,
            RequestAcceptor acceptor,
            SealedHeaders sealing,
            ClaimCheck claimCheck,
            ObjectMapper mapper,
            int batchSize,
            Duration acceptTimeout,
            Duration progressInterval,
            Consumer<ReplayProgress> progressSink) {
        this.spec = spec;
        this.tenant = tenant;
        this.defaultTenant = defaultTenant;
        this.topic = topic;
        this.consumerConfig = consumerConfig;
        this.acceptor = acceptor;
        this.sealing = sealing;
        this.claimCheck = claimCheck;
        this.mapper = mapper;
        this.records =
                mapper.readerFor(InvocationRecord.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.batchSize = batchSize;
        this.acceptTimeout = acceptTimeout;
        this.progressInterval = progressInterval;
        this.progressSink = progressSink;
    }

    /** This run's progress now. */
    synchronized ReplayProgress progress() {
        return new ReplayProgress(
                spec.id(),
                state,
                spec.from(),
                spec.to(),
                spec.condition(),
                spec.errorCode(),
                spec.target(),
                startedAt,
                Instant.now(),
                scanned,
                matched,
                enqueued,
                duplicates,
                skipped,
                failed,
                error);
    }

    /** Whether this run has not ended yet. */
    boolean running() {
        return state == ReplayState.RUNNING;
    }

    /** Asks the run to stop after its current batch; it ends {@code FAILED}. */
    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            scan(consumer);
            finish(stopped ? ReplayState.FAILED : ReplayState.DONE, stopped ? "the replica stopped" : error);
        } catch (RuntimeException e) {
            LOG.warnf("replay %s failed: %s", spec.id(), e.toString());
            finish(ReplayState.FAILED, "the failures topic could not be read: " + e);
        }
    }

    private void scan(KafkaConsumer<String, byte[]> consumer) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " has no partitions");
        }
        Set<TopicPartition> all = new HashSet<>();
        Map<TopicPartition, Long> fromTimes = new HashMap<>();
        for (PartitionInfo partition : partitions) {
            TopicPartition tp = new TopicPartition(topic, partition.partition());
            all.add(tp);
            fromTimes.put(tp, spec.from().toEpochMilli());
        }
        // The end is fixed first: whatever is written from now on (the replayed invocations' own failures too) is not
        // this replay's.
        Map<TopicPartition, Long> ends = consumer.endOffsets(all, Duration.ofSeconds(30));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(fromTimes, Duration.ofSeconds(30));
        Set<TopicPartition> remaining = new HashSet<>();
        for (TopicPartition tp : all) {
            OffsetAndTimestamp start = starts.get(tp);
            // No record at or after from: nothing to read in this partition.
            if (start != null && start.offset() < ends.get(tp)) {
                remaining.add(tp);
            }
        }
        consumer.assign(remaining);
        for (TopicPartition tp : remaining) {
            consumer.seek(tp, starts.get(tp).offset());
        }
        long lastReport = System.nanoTime();
        while (!remaining.isEmpty() && !stopped) {
            ConsumerRecords<String, byte[]> polled = consumer.poll(POLL);
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : polled) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (remaining.contains(tp) && record.offset() < ends.get(tp)) {
                    batch.add(record);
                }
            }
            for (int i = 0; i < batch.size(); i += batchSize) {
                replay(batch.subList(i, Math.min(batch.size(), i + batchSize)));
            }
            for (TopicPartition tp : Set.copyOf(remaining)) {
                if (consumer.position(tp) >= ends.get(tp)) {
                    remaining.remove(tp);
                }
            }
            // Read to its end: fetch nothing more from it (only an assigned partition can be paused).
            consumer.pause(consumer.assignment().stream()
                    .filter(tp -> !remaining.contains(tp))
                    .toList());
            if (System.nanoTime() - lastReport > progressInterval.toNanos()) {
                progressSink.accept(progress());
                lastReport = System.nanoTime();
            }
        }
    }

    /** Replays the matching failures among {@code batch}, together, and counts what became of each. */
    private void replay(List<ConsumerRecord<String, byte[]>> batch) {
        List<RequestAcceptor.Submission> submissions = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : batch) {
            RequestAcceptor.Submission submission = submission(record);
            if (submission != null) {
                submissions.add(submission);
            }
        }
        if (submissions.isEmpty()) {
            return;
        }
        List<CompletionStage<Acceptance>> stages = acceptor.acceptAll(submissions);
        for (int i = 0; i < stages.size(); i++) {
            String newId = submissions.get(i).request().id();
            try {
                Acceptance acceptance =
                        stages.get(i).toCompletableFuture().get(acceptTimeout.toMillis(), TimeUnit.MILLISECONDS);
                synchronized (this) {
                    // A duplicate's acceptance names the invocation an earlier run enqueued for this failure.
                    if (newId.equals(acceptance.id())) {
                        enqueued++;
                    } else {
                        duplicates++;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
                countFailed("interrupted");
            } catch (Exception e) {
                Throwable cause = e.getCause() instanceof CompletionException
                                && e.getCause().getCause() != null
                        ? e.getCause().getCause()
                        : e.getCause() != null ? e.getCause() : e;
                countFailed(submissions.get(i).request().replayOf() + " could not be enqueued: " + cause.getMessage());
            }
        }
    }

    /**
     * The submission that replays the failure in {@code record}, or null when the record is outside the window, does
     * not match, or cannot be replayed (counted).
     */
    private RequestAcceptor.Submission submission(ConsumerRecord<String, byte[]> record) {
        InvocationRecord failure = null;
        if (record.value() != null) {
            try {
                failure = records.readValue(record.value());
            } catch (IOException e) {
                failure = null; // not an invocation record: nothing this replay repeats
            }
        }
        if (failure != null && !isThisTenants(failure)) {
            return null; // another tenant's: this replay neither repeats nor counts it
        }
        synchronized (this) {
            scanned++;
        }
        if (failure == null || !spec.covers(record.timestamp())) {
            return null;
        }
        InvocationRecord.Delivery courier = failure.courier();
        String code = failure.data() == null || failure.data().response() == null
                ? null
                : failure.data().response().errorCode();
        if (courier == null || !spec.matches(courier.condition(), code)) {
            return null;
        }
        synchronized (this) {
            matched++;
        }
        InvocationRequest original = courier.request();
        if (original == null || original.id() == null) {
            countSkipped();
            return null;
        }
        InvocationRequest opened;
        try {
            opened = opened(withBody(original));
        } catch (SealedHeaders.UnreadableHeaderException e) {
            countFailed(original.id() + ": " + e.getMessage());
            return null;
        } catch (BodyUnavailable e) {
            // Gone or altered, it will not come back: not replayable. A store that failed may answer another run.
            if (e.lasting) {
                countSkipped();
            } else {
                countFailed(original.id() + ": " + e.getMessage());
            }
            return null;
        }
        String key = "replay:" + spec.id() + ":" + original.id();
        Instant now = Instant.now();
        InvocationRequest replay = opened.withId(Ulid.next())
                .asReplayOf(
                        original.id(),
                        key,
                        original.deliverAt() != null && original.deliverAt().isAfter(now) ? original.deliverAt() : null,
                        original.expiresAt() != null && original.expiresAt().isAfter(now)
                                ? original.expiresAt()
                                : null);
        if (spec.target() != null) {
            replay = replay.withTarget(spec.target());
        }
        try {
            return new RequestAcceptor.Submission(replay, key, mapper.writeValueAsBytes(replay).length);
        } catch (IOException e) {
            countFailed(original.id() + ": " + e.getMessage());
            return null;
        }
    }

    /** Whether {@code failure} is an invocation of this run's tenant (a request naming none is the default tenant's). */
    private boolean isThisTenants(InvocationRecord failure) {
        InvocationRequest request =
                failure.courier() == null ? null : failure.courier().request();
        String owner = request == null || request.tenant() == null ? defaultTenant : request.tenant();
        return owner.equals(tenant);
    }

    /**
     * {@code request} with a body stored out of band back in place (the listener keeps the stored body of a failure
     * whose record keeps the request); the intake stores it again under the new invocation's id, which owns that copy.
     */
    private InvocationRequest withBody(InvocationRequest request) throws BodyUnavailable {
        if (request.bodyRef() == null) {
            return request;
        }
        try {
            return claimCheck.claim(request).toCompletableFuture().get(acceptTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BodyUnavailable("interrupted while fetching its stored body", false);
        } catch (TimeoutException e) {
            throw new BodyUnavailable("its stored body could not be fetched in time", false);
        } catch (ExecutionException e) {
            boolean lasting = e.getCause() instanceof ClaimCheck.StoredBodyException stored && !stored.retryable();
            throw new BodyUnavailable(String.valueOf(e.getCause().getMessage()), lasting);
        }
    }

    /** A failure's stored body that cannot be had: for good (gone, altered), or for now (the store failed). */
    private static final class BodyUnavailable extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean lasting;

        BodyUnavailable(String message, boolean lasting) {
            super(message, null, false, false);
            this.lasting = lasting;
        }
    }

    private synchronized void countSkipped() {
        skipped++;
    }

    /** {@code request} with its sealed header values opened: they were sealed for its id, and get sealed again. */
    private InvocationRequest opened(InvocationRequest request) throws SealedHeaders.UnreadableHeaderException {
        Callback callback = request.callback() == null
                ? null
                : new Callback(
                        request.callback().url(),
                        sealing.open(
                                request.id(),
                                SealedHeaders.CALLBACK_HEADERS,
                                request.callback().headers()));
        return request.withHeaders(sealing.open(request.id(), SealedHeaders.HEADERS, request.headers()), callback);
    }

    private synchronized void countFailed(String reason) {
        failed++;
        error = reason;
    }

    private void finish(ReplayState end, String reason) {
        synchronized (this) {
            state = end;
            error = reason;
        }
        ReplayProgress last = progress();
        LOG.infof(
                "replay %s %s: scanned %d, matched %d, enqueued %d, duplicates %d, skipped %d, failed %d",
                spec.id(),
                end,
                last.scanned(),
                last.matched(),
                last.enqueued(),
                last.duplicates(),
                last.skipped(),
                last.failed());
        progressSink.accept(last);
    }
}
