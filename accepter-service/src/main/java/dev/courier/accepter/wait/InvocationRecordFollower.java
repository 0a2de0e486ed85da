package dev.courier.accepter.wait;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows the invocation records ({@code courier.results} and {@code courier.failures}) for the callers waiting on
 * this instance ({@link InvocationWaiters}).
 *
 * <p>Every accepter instance follows every partition itself, in a consumer group of its own
 * ({@code courier-accepter-wait-<uuid>}, see {@code application.properties}): a waiting caller may be on any instance,
 * so a group shared by the instances, which would split the partitions between them, would leave most callers
 * waiting for records another instance read. The group starts at the end of each partition and commits nothing: only
 * invocations accepted while the instance runs can be waited for, and a restarted instance starts at the end again.
 *
 * <p>A record is looked at by its key alone (the listener keys records by invocation id); only one somebody waits
 * for is read further. This is what makes following every record cheap.
 */
@ApplicationScoped
@Default // injectable as itself too, not only by the connector's qualifier
@Identifier(InvocationRecordFollower.REBALANCE_LISTENER)
public class InvocationRecordFollower implements KafkaConsumerRebalanceListener {
    /** The channel's name ({@code mp.messaging.incoming.invocation-records.*}). */
    public static final String CHANNEL = "invocation-records";

    /** The name the channel's {@code consumer-rebalance-listener.name} gives this bean. */
    public static final String REBALANCE_LISTENER = "courier-invocation-records";

    private static final Logger LOG = Logger.getLogger(InvocationRecordFollower.class);

    private final InvocationWaiters waiters;
    private final Set<TopicPartition> following = ConcurrentHashMap.newKeySet();

    public InvocationRecordFollower(InvocationWaiters waiters, MeterRegistry registry) {
        this.waiters = waiters;
        Gauge.builder("courier.wait.partitions", following, Set::size)
                .description("Partitions of the invocation record topics this instance follows for Prefer: wait;"
                        + " 0 means waiting callers get 202")
                .register(registry);
    }

    /**
     * The invocation records of one poll: completes the callers waiting for their invocations, if any.
     *
     * <p>The channel is a batch channel ({@code batch=true}): the connector hands over a whole poll at once. Record by
     * record, it dispatched every invocation record of the stack to an event loop as a message of its own, and that
     * was about a fifth of the accepter's CPU per invocation in the bench's cost section, for records almost none of
     * which anybody waits for (docs/benchmarks.md, 2026-12-03).
     */
    @Incoming(CHANNEL)
    public void follow(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.key() != null && record.value() != null) {
                waiters.completed(record.key(), record.value());
            }
        }
    }

    /**
     * The partitions this instance reads, each positioned already: a record written from now on will be read. (The
     * end offset is looked up here, at once, rather than at the first fetch.)
     */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            consumer.position(partition);
        }
        following.addAll(partitions);
        LOG.infof("following %d partition(s) of the invocation records for Prefer: wait", following.size());
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        following.removeAll(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        following.removeAll(partitions);
    }

    /** The partitions followed now, for tests and the {@code courier.wait.partitions} gauge. */
    public Set<TopicPartition> following() {
        return Set.copyOf(following);
    }
}
