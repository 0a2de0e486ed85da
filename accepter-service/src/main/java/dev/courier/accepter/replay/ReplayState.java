package dev.courier.accepter.replay;

/** Where a replay is. */
public enum ReplayState {
    /** Reading the failures topic and enqueueing what matches, on the replica that took the replay. */
    RUNNING,
    /**
     * Every failure record up to the end captured at the start was read; {@code failed} says how many matching ones
     * could not be enqueued (POST the same replay again to enqueue them, and nothing twice).
     */
    DONE,
    /** The replay stopped before the end: the failures topic could not be read, or its replica stopped. */
    FAILED
}
