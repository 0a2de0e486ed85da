package dev.courier.listener.outcome;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.record.Condition;
import dev.courier.common.record.InvocationRecord;
import dev.courier.common.status.StatusEvent;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.kafka.ListenerKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Writes invocation records: {@code Success} to the results topic, every other condition to the failures topic, keyed
 * by invocation id.
 *
 * <p>Invariant: the stage completes only once the broker acknowledged the record ({@code acks=all}); until then the
 * request's offset is not committed. A write that fails is tried again, without end, because giving up would either
 * lose the outcome or stall the partition behind it.
 */
@ApplicationScoped
public class OutcomeWriter {
    private static final Logger LOG = Logger.getLogger(OutcomeWriter.class);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private final KafkaProducer<String, byte[]> producer;
    private final ObjectMapper mapper;
    private final String resultsTopic;
    private final String failuresTopic;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "courier-outcome-retry");
        thread.setDaemon(true);
        return thread;
    });

    public OutcomeWriter(ListenerConfig config, ObjectMapper mapper, ListenerKafka kafka) {
        this.mapper = mapper;
        this.resultsTopic = config.topics().results();
        this.failuresTopic = config.topics().failures();
        this.producer = kafka.producer();
    }

    /** The topic a record with {@code condition} goes to. */
    public String topicFor(Condition condition) {
        return condition == Condition.SUCCESS ? resultsTopic : failuresTopic;
    }

    /** Writes {@code record} of an invocation of no known tenant (an unreadable record); see {@link #write(InvocationRecord, String)}. */
    public CompletionStage<Void> write(InvocationRecord record) {
        return write(record, true, null);
    }

    /**
     * Writes {@code record}, telling the status read model how its invocation ended only when {@code reportStatus}:
     * a record about a record that is not its invocation's (a duplicate with the same id) must not end that
     * invocation's status.
     */
    public CompletionStage<Void> write(InvocationRecord record, boolean reportStatus) {
        return write(record, reportStatus, null);
    }

    /**
     * Writes {@code record} of an invocation of {@code tenant} (null: the default), whose status event names it so that
     * the status read model knows the owner even when this record is projected before the request's own event.
     */
    public CompletionStage<Void> write(InvocationRecord record, String tenant) {
        return write(record, true, tenant);
    }

    /** Writes {@code record}; completes once it is durably on its topic. */
    public CompletionStage<Void> write(InvocationRecord record, boolean reportStatus, String tenant) {
        byte[] value;
        try {
            value = mapper.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ProducerRecord<String, byte[]> message = new ProducerRecord<>(
                topicFor(record.courier().condition()), record.courier().invocationId(), value);
        if (reportStatus) {
            message.headers().add(StatusEvent.HEADER, finished(record, tenant).encode());
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        send(message, written);
        return written;
    }

    /** The last step of the invocation {@code record} reports, for the status read model. */
    static StatusEvent finished(InvocationRecord record, String tenant) {
        InvocationRecord.Delivery courier = record.courier();
        InvocationRecord.Response response =
                record.data() == null ? null : record.data().response();
        Instant completedAt = courier.completedAt() != null ? courier.completedAt() : Instant.now();
        String correlationId = record.data() == null || record.data().request() == null
                ? null
                : record.data().request().opcRequestId();
        return new StatusEvent(
                courier.invocationId(),
                StatusEvent.statusOf(courier.condition()),
                courier.attempts(),
                null,
                courier.acceptedAt(),
                completedAt,
                response == null ? null : response.status(),
                correlationId,
                false,
                tenant,
                courier.replayOf());
    }

    private void send(ProducerRecord<String, byte[]> message, CompletableFuture<Void> written) {
        try {
            producer.send(message, (metadata, error) -> {
                if (error == null) {
                    written.complete(null);
                } else {
                    retryLater(message, written, error);
                }
            });
        } catch (RuntimeException e) {
            retryLater(message, written, e);
        }
    }

    private void retryLater(ProducerRecord<String, byte[]> message, CompletableFuture<Void> written, Throwable error) {
        LOG.warnf(
                "writing the record of invocation %s to %s failed (%s); trying again in %s",
                message.key(), message.topic(), error.toString(), RETRY_BACKOFF);
        retries.schedule(() -> send(message, written), RETRY_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void close() {
        retries.shutdownNow();
    }
}
