package dev.courier.kafka;

import java.time.Duration;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * A thread that owns one Kafka consumer (which is not thread-safe) and polls it until the application stops: the one
 * life cycle of every Courier consumer that is not a bounded read. A subclass opens its consumer, says what to do once
 * before the loop ({@link #begin}), on each turn ({@link #turn}), after a stop ({@link #end}) and in every case before
 * the consumer is closed ({@link #closing}); it starts and stops the loop from its own start-up and shutdown observers.
 *
 * <p>An error in one turn goes to {@link #recover}: by default it is logged and the loop goes on after a pause, since a
 * consumer thread that died would stop its work without anyone noticing. What a subclass rethrows there, and whatever
 * escapes {@link #begin}, ends the loop; that is logged, and {@link #isLive()} turns false, so that
 * {@link ConsumerLoopLiveness} has the service restarted.
 *
 * <p>The thread is a daemon: the shutdown observer ends it ({@link #stopLoop}); the JVM never waits for a loop that
 * nobody stopped.
 *
 * @param <K> the records' key type
 * @param <V> the records' value type
 */
public abstract class ConsumerLoop<K, V> implements Runnable {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);
    /** How long the loop waits after a failed turn: an error that repeats does not keep a core busy. */
    protected static final Duration PAUSE_AFTER_ERROR = Duration.ofSeconds(1);

    private final String name;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<K, V> consumer;

    /** @param name the loop's thread name, also how its log lines name it */
    protected ConsumerLoop(String name) {
        this.name = name;
    }

    /** Creates the consumer this loop owns; called on the loop's thread. */
    protected abstract KafkaConsumer<K, V> open();

    /** Once, before the first turn: subscribe, assign, position. What escapes it ends the loop. */
    protected void begin(KafkaConsumer<K, V> consumer) {}

    /** One turn of the loop: poll and act on what came back. */
    protected abstract void turn(KafkaConsumer<K, V> consumer);

    /**
     * After the last turn of a loop that was stopped (not of one that failed): finish in-flight work, commit. A stop
     * that came while the last turn was not polling leaves the consumer's wake-up pending, and then the first blocking
     * call here (a commit) throws it; this is then called once more, so it must be safe to repeat.
     */
    protected void end(KafkaConsumer<K, V> consumer) {}

    /**
     * A turn failed with {@code error}. By default it is logged and the next turn comes after
     * {@link #PAUSE_AFTER_ERROR}. A subclass may mend what the failed turn left (rewind its consumer), or rethrow: a
     * rethrown error ends the loop.
     */
    protected void recover(KafkaConsumer<K, V> consumer, RuntimeException error) {
        LOG.errorf(error, "error in %s; going on", name);
        pause(PAUSE_AFTER_ERROR);
    }

    /** Last, however the loop ended, just before the consumer is closed: let go of what depends on it. */
    protected void closing(KafkaConsumer<K, V> consumer) {}

    /** Starts the loop's thread. */
    protected final void startLoop() {
        running = true;
        Thread owner = new Thread(this, name);
        owner.setDaemon(true);
        thread = owner;
        owner.start();
    }

    /**
     * Ends the loop: no further turn, a blocked poll woken up, then up to {@code wait} for {@link #end} and
     * {@link #closing} ({@link Duration#ZERO}: for as long as they take).
     */
    protected final void stopLoop(Duration wait) throws InterruptedException {
        running = false;
        wakeUp();
        Thread owner = thread;
        if (owner != null) {
            owner.join(wait.toMillis());
        }
    }

    /** Wakes a poll that is blocked (or the next one): it ends with no records, and the next turn runs at once. */
    protected final void wakeUp() {
        KafkaConsumer<K, V> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }

    /** The loop's thread name, also how its log lines and {@link ConsumerLoopLiveness} name it. */
    public final String name() {
        return name;
    }

    /** Whether the loop's thread is alive and has not been asked to stop. */
    public final boolean isRunning() {
        Thread owner = thread;
        return running && owner != null && owner.isAlive();
    }

    /**
     * What {@link ConsumerLoopLiveness} reports: by default {@link #isRunning()}. A loop that is not meant to run in
     * this instance (by its configuration) says it is live here.
     */
    public boolean isLive() {
        return isRunning();
    }

    /** Whether the loop was started and not yet asked to stop: for long steps that must notice a stop. */
    protected final boolean running() {
        return running;
    }

    @Override
    public final void run() {
        KafkaConsumer<K, V> owned = null;
        try {
            owned = open();
            consumer = owned;
            begin(owned);
            while (running) {
                try {
                    turn(owned);
                } catch (WakeupException e) {
                    // stopLoop() or wakeUp() ended a poll; the loop condition and the next turn decide.
                } catch (RuntimeException e) {
                    recover(owned, e);
                }
            }
            try {
                end(owned);
            } catch (WakeupException e) {
                end(owned); // the stop's own wake-up, left pending: it is spent now
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof WakeupException && !running) {
                return; // the stop woke begin() or end(): a normal end
            }
            // Rethrown by recover(), escaped from begin() or end() (a wake-up there while running is a defect of the
            // subclass), or an OutOfMemoryError: the thread ends here.
            if (running) {
                LOG.errorf(e, "%s stopped: liveness is DOWN", name);
            }
            throw e;
        } finally {
            if (owned != null) {
                try {
                    closing(owned);
                } finally {
                    owned.close(Duration.ofSeconds(5));
                }
            }
        }
    }

    /** Sleeps, keeping the thread's interrupt status. */
    protected static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
