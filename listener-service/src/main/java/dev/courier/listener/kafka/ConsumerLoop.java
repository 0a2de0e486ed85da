package dev.courier.listener.kafka;

import java.time.Duration;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * A thread that owns one Kafka consumer (which is not thread-safe) and polls it until the application stops: the
 * shared life cycle of the listener's consumers. A subclass opens its consumer, says what to do once before the loop,
 * on each turn and after it, and starts and stops the loop from its own start-up and shutdown observers.
 *
 * <p>An error in one turn is logged and the loop goes on after a pause: a consumer thread that died silently would
 * stop delivery without anyone noticing (liveness reports {@link #isRunning()}).
 */
public abstract class ConsumerLoop implements Runnable {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);
    private static final Duration PAUSE_AFTER_ERROR = Duration.ofSeconds(1);

    private final String threadName;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;

    protected ConsumerLoop(String threadName) {
        this.threadName = threadName;
    }

    /** Creates the consumer this loop owns; called on the loop's thread. */
    protected abstract KafkaConsumer<String, byte[]> open();

    /** Once, before the first turn: subscribe or assign. */
    protected abstract void begin(KafkaConsumer<String, byte[]> consumer);

    /** One turn of the loop: poll and act on what came back. */
    protected abstract void turn(KafkaConsumer<String, byte[]> consumer);

    /** Once, after the last turn and before the consumer is closed: finish in-flight work, commit. */
    protected void end(KafkaConsumer<String, byte[]> consumer) {}

    /** Starts the loop's thread. */
    protected final void startLoop() {
        running = true;
        thread = new Thread(this, threadName);
        thread.start();
    }

    /** Ends the loop: no further turn, a blocked poll woken up, then up to {@code wait} for {@link #end}. */
    protected final void stopLoop(Duration wait) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        Thread owner = thread;
        if (owner != null) {
            owner.join(wait.toMillis());
        }
    }

    /** Whether the loop's thread is alive and has not been asked to stop (liveness). */
    public final boolean isRunning() {
        Thread owner = thread;
        return running && owner != null && owner.isAlive();
    }

    /** Whether the loop should go on; for long steps inside {@link #begin} that must notice a stop. */
    protected final boolean running() {
        return running;
    }

    @Override
    public final void run() {
        KafkaConsumer<String, byte[]> owned = open();
        consumer = owned;
        try {
            begin(owned);
            while (running) {
                try {
                    turn(owned);
                } catch (WakeupException e) {
                    // stopLoop() woke a blocked poll; the loop condition decides.
                } catch (RuntimeException e) {
                    LOG.errorf(e, "error in %s; going on", threadName);
                    pause(PAUSE_AFTER_ERROR);
                }
            }
            end(owned);
        } catch (WakeupException e) {
            // stopped during begin()
        } finally {
            owned.close(Duration.ofSeconds(5));
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
