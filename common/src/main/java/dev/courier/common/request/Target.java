package dev.courier.common.request;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.validation.ValidTarget;

/**
 * What an invocation calls.
 *
 * <p>For {@code http}: exactly one of {@code url} (absolute http or https) and {@code route} (a route name configured
 * on the server), and with a route optionally a {@code path} below the route's URL; {@code method} defaults to POST. For {@code function}: {@code functionId} (the function OCID) and
 * optionally its {@code invokeEndpoint}, which is otherwise resolved and cached by the listener.
 *
 * @param type what kind of target; required
 * @param url absolute URL of an HTTP target
 * @param method HTTP method, upper case; {@value #DEFAULT_METHOD} when absent
 * @param route name of a route configured on the server, instead of {@code url}
 * @param functionId OCID of an OCI Function
 * @param invokeEndpoint the function's invoke endpoint, if the caller knows it
 * @param path with {@code route} only: a relative path appended to the route's URL after a {@code /}, as it is
 *     (percent-encoded, no query), e.g. {@code orders/42}; what {@code ANY /v1/relay/{route}/{path}} passes on
 */
@ValidTarget
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Target(
        @NotNull TargetType type,
        @Size(max = 4096) String url,
        String method,
        @Size(max = 255) String route,
        @Size(max = 255) String functionId,
        @Size(max = 2048) String invokeEndpoint,
        @Size(max = 2048) String path) {

    /** The method used when an HTTP target names none. */
    public static final String DEFAULT_METHOD = "POST";

    /** An HTTP target called with {@code method} at {@code url}. */
    public static Target http(String method, String url) {
        return new Target(TargetType.HTTP, url, method, null, null, null, null);
    }

    /** An HTTP target called with {@code method} at route {@code route}'s URL, with {@code path} (or null) below it. */
    public static Target route(String method, String route, String path) {
        return new Target(TargetType.HTTP, null, method, route, null, null, path);
    }

    /** The method to call an HTTP target with: the given one, or {@value #DEFAULT_METHOD}. */
    public String effectiveMethod() {
        return method == null ? DEFAULT_METHOD : method;
    }
}
