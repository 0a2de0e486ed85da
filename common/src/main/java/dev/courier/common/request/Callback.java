package dev.courier.common.request;

import java.util.Map;
import jakarta.validation.constraints.NotNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.validation.HttpUrl;

/**
 * The forwarding address for an invocation's eventual response.
 *
 * @param url absolute http or https URL the response is POSTed to
 * @param headers extra headers sent with the callback
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Callback(@NotNull @HttpUrl String url, Map<String, String> headers) {}
