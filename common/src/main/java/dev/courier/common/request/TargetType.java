package dev.courier.common.request;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What kind of thing an invocation calls. */
public enum TargetType {
    /** Any HTTP endpoint, by absolute URL or by a route configured on the server. */
    @JsonProperty("http")
    HTTP,
    /** An OCI Function, called through the OCI SDK with signed requests. */
    @JsonProperty("function")
    FUNCTION
}
