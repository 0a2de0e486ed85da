package dev.courier.testing.log;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The errors (JUL {@code SEVERE}, which is what an ERROR of JBoss Logging becomes) logged in this JVM while capturing:
 * for a test that says a hostile request is answered without an error logged. {@link #start()} in a
 * {@code @BeforeEach}, {@link #stop()} in an {@code @AfterEach}.
 */
public final class LoggedErrors {
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** Starts capturing, on the root logger. */
    public void start() {
        Logger.getLogger("").addHandler(capture);
    }

    /** Stops capturing. */
    public void stop() {
        Logger.getLogger("").removeHandler(capture);
    }

    /** The errors logged since {@link #start()}. */
    public List<LogRecord> logged() {
        return List.copyOf(errors);
    }

    /**
     * The errors logged since {@link #start()}, once one is or {@code window} has passed: for a failure the server logs
     * after it has answered (the answer is then no sign that the logging is over). It returns as soon as there is an
     * error, so a failing test fails at once; a passing one waits the whole window, since the server gives no sign
     * that it is done with a request it has answered.
     */
    public List<LogRecord> within(Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        while (errors.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return logged();
    }
}
