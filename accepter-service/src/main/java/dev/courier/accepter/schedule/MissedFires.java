package dev.courier.accepter.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a schedule does about fire times it missed while no accepter could fire it (all replicas down, or cache-service
 * or Kafka unavailable for longer than {@code courier.accepter.schedules.misfire-threshold}).
 */
public enum MissedFires {
    /** Fire the latest missed fire time once, then go on with the schedule: the default, as Quartz's "fire once now". */
    FIRE_ONCE("fire-once"),
    /** Fire none of them: go on with the next fire time after now. */
    SKIP("skip");

    private final String wire;

    MissedFires(String wire) {
        this.wire = wire;
    }

    /** The name in JSON: {@code fire-once} or {@code skip}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The policy named {@code wire}, or null when there is none of that name. */
    @JsonCreator
    public static MissedFires fromWire(String wire) {
        for (MissedFires policy : values()) {
            if (policy.wire.equals(wire)) {
                return policy;
            }
        }
        return null;
    }
}
