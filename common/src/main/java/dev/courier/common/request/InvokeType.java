package dev.courier.common.request;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an OCI Function is invoked; mirrors OCI's {@code fn-invoke-type}. */
public enum InvokeType {
    /** Wait for the function's result so that it can be forwarded to the callback (the default). */
    @JsonProperty("sync")
    SYNC,
    /** Hand the call to OCI's detached mode; OCI answers 202 and the result is not forwarded. */
    @JsonProperty("detached")
    DETACHED
}
