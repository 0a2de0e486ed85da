package dev.courier.listener.lanes;

/**
 * An invocation's place in its ordering key's lane: where its request was first read on {@code courier.requests}.
 * A key's requests all land on one partition (the key is the record key), so their offsets order them.
 *
 * @param partition the partition of {@code courier.requests}
 * @param offset the offset of the request's first record there
 */
public record LanePosition(int partition, long offset) {

    /** Whether this place comes before {@code other} in the same lane. */
    public boolean isAhead(LanePosition other) {
        return partition == other.partition && offset < other.offset;
    }

    /** The header form, {@code partition:offset}. */
    @Override
    public String toString() {
        return partition + ":" + offset;
    }

    /** Reads the header form. */
    public static LanePosition parse(String text) {
        int colon = text.indexOf(':');
        return new LanePosition(Integer.parseInt(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    }
}
