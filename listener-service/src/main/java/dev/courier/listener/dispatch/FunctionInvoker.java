package dev.courier.listener.dispatch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.oracle.bmc.functions.requests.InvokeFunctionRequest;
import com.oracle.bmc.functions.requests.InvokeFunctionRequest.FnIntent;
import com.oracle.bmc.functions.requests.InvokeFunctionRequest.FnInvokeType;
import com.oracle.bmc.functions.responses.InvokeFunctionResponse;
import com.oracle.bmc.model.BmcException;
import com.oracle.bmc.util.StreamUtils;
import dev.courier.common.http.CourierHeaders;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.InvokeType;
import dev.courier.common.request.TargetType;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.oci.OciFunctions;

/**
 * Calls a function target through the OCI SDK ({@code FunctionsInvokeClient}), producing the same
 * {@link AttemptResult} as {@link HttpInvoker}, so that retries, limits, callbacks and records treat both alike.
 *
 * <ul>
 *   <li>Invoke endpoint: {@code target.invokeEndpoint}, else resolved once through {@code GetFunction} and cached. It
 *       must pass the {@link EgressPolicy} like any target address, given or resolved: checked here before the call,
 *       and again by the SDK client's connection pool for the address it connects to (see {@code OciFunctions}), so
 *       a name that resolves elsewhere by then is refused too.
 *   <li>The call: the request's body and media type; {@code fn-invoke-type} {@code sync} (the default) or
 *       {@code detached}; {@code fn-intent} {@code cloudevent} for an {@code application/cloudevents+json} body, else
 *       {@code httprequest}; {@code opc-request-id} = the correlation id; {@code Idempotency-Key},
 *       {@code Courier-Attempt} and {@code Courier-Correlation-Id} like every call; the request's {@code timeoutSeconds}
 *       as this call's read timeout. The request's {@code headers} and {@code query} are for HTTP targets and are not
 *       sent.
 *   <li>Outcome: OCI's answer is a {@code Responded} (200 with the function's response, or 202 for a detached call
 *       OCI has taken over); an OCI error is a {@code Responded} with its status, OCI's error body and OCI's
 *       {@code code} and {@code message} as the record's {@code errorCode} and {@code errorMessage}, so 429 and 5xx
 *       are retried and other 4xx (401 included) are final; a timeout or connection failure is a retryable
 *       {@code Failed}.
 * </ul>
 *
 * <p>The SDK's calls block: they run on threads of their own, at most {@code max-in-flight} at once (the dispatcher's
 * bound).
 */
@ApplicationScoped
public class FunctionInvoker implements Invoker {
    private static final String CLOUDEVENT_MEDIA_TYPE = "application/cloudevents+json";

    private final OciFunctions functions;
    private final EgressPolicy egress;
    private final ObjectMapper mapper;
    private final int maxResponseBytes;
    private final ExecutorService calls = Executors.newCachedThreadPool(new OutboundHttp.NamedThreads("courier-fn"));

    public FunctionInvoker(OciFunctions functions, EgressPolicy egress, ObjectMapper mapper, ListenerConfig config) {
        this.functions = functions;
        this.egress = egress;
        this.mapper = mapper;
        this.maxResponseBytes = config.dispatch().maxResponseBytes();
    }

    @Override
    public TargetType targetType() {
        return TargetType.FUNCTION;
    }

    @Override
    public CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt) {
        if (!functions.enabled()) {
            return CompletableFuture.completedFuture(new AttemptResult.Failed(
                    ErrorCodes.UNSUPPORTED_TARGET,
                    "this listener has no OCI identity (courier.listener.oci.auth.type is not set), so it cannot call"
                            + " functions",
                    false,
                    Duration.ZERO));
        }
        return CompletableFuture.supplyAsync(() -> call(request, attempt), calls);
    }

    private AttemptResult call(InvocationRequest request, int attempt) {
        long start = System.nanoTime();
        String functionId = request.target().functionId();
        try {
            String endpoint = request.target().invokeEndpoint() != null
                    ? request.target().invokeEndpoint()
                    : functions.invokeEndpoint(functionId);
            Optional<AttemptResult> refused = check(endpoint, start);
            if (refused.isPresent()) {
                return refused.get();
            }
            RequestBody body = RequestBody.of(request, mapper);
            InvokeFunctionRequest.Builder call = InvokeFunctionRequest.builder()
                    .functionId(functionId)
                    .fnInvokeType(
                            request.invokeType() == InvokeType.DETACHED ? FnInvokeType.Detached : FnInvokeType.Sync)
                    .fnIntent(
                            CLOUDEVENT_MEDIA_TYPE.equals(body.mediaType()) ? FnIntent.Cloudevent : FnIntent.Httprequest)
                    .opcRequestId(request.effectiveCorrelationId())
                    .invokeFunctionBody(
                            StreamUtils.createByteArrayInputStream(body.bytes() == null ? new byte[0] : body.bytes()));
            Map<String, String> headers = new LinkedHashMap<>();
            if (body.contentType() != null) {
                headers.put("Content-Type", body.contentType());
            }
            headers.put(CourierHeaders.IDEMPOTENCY_KEY, request.id());
            headers.put(CourierHeaders.ATTEMPT, Integer.toString(attempt));
            headers.put(CourierHeaders.CORRELATION_ID, request.effectiveCorrelationId());
            InvokeFunctionResponse response =
                    functions.invoke(endpoint, call, headers, Duration.ofSeconds(request.effectiveTimeoutSeconds()));
            return responded(response, start);
        } catch (BmcException e) {
            return failure(e, elapsed(start));
        } catch (IOException e) {
            return new AttemptResult.Failed(
                    ErrorCodes.TARGET_UNREACHABLE, "reading the function's response: " + e, true, elapsed(start));
        } catch (RuntimeException e) {
            // The stage must end in a result: the dispatcher releases the target's permit on it.
            return new AttemptResult.Failed(
                    ErrorCodes.INTERNAL_ERROR, "calling the function failed: " + e, false, elapsed(start));
        }
    }

    /**
     * The attempt's end if the invoke endpoint may not be called (the same policy as every other target address) or
     * its name does not resolve; empty if it may be called.
     */
    private Optional<AttemptResult> check(String endpoint, long start) {
        String refusal;
        try {
            URI uri = URI.create(endpoint);
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())) {
                refusal = "'" + endpoint + "' is not an http(s) URL";
            } else {
                egress.permitted(uri, false);
                return Optional.empty();
            }
        } catch (IllegalArgumentException e) {
            refusal = "'" + endpoint + "' is not a URL";
        } catch (EgressRefusedException e) {
            refusal = e.getMessage();
        } catch (UnknownHostException e) {
            return Optional.of(new AttemptResult.Failed(
                    ErrorCodes.TARGET_UNREACHABLE, "invoke endpoint: " + e.getMessage(), true, elapsed(start)));
        }
        return Optional.of(new AttemptResult.Failed(
                ErrorCodes.TARGET_NOT_ALLOWED, "invoke endpoint " + refusal, false, elapsed(start)));
    }

    private AttemptResult responded(InvokeFunctionResponse response, long start) throws IOException {
        byte[] body = new byte[0];
        boolean truncated = false;
        InputStream in = response.getInputStream();
        if (in != null) {
            try (in) {
                body = in.readNBytes(maxResponseBytes);
                truncated = in.read() != -1;
            }
        }
        return new AttemptResult.Responded(
                response.get__httpStatusCode__(),
                header(response.getHeaders(), "content-type"),
                body,
                truncated,
                null,
                elapsed(start));
    }

    /**
     * OCI's error as the function's answer: its status, its error body (rebuilt from the parsed error, as the SDK
     * keeps no raw body) and its code and message for the record; a timeout or a failed connection as retryable.
     */
    private AttemptResult failure(BmcException e, Duration elapsed) {
        Optional<EgressRefusedException> refused = refusal(e);
        if (refused.isPresent()) {
            // The connection pool refused the address it was to connect to: the name resolves elsewhere now. (The
            // SDK reports every failure before a response as a timeout, so this is looked for first.)
            return new AttemptResult.Failed(
                    ErrorCodes.TARGET_NOT_ALLOWED,
                    "invoke endpoint " + refused.get().getMessage(),
                    false,
                    elapsed);
        }
        if (e.isTimeout()) {
            return new AttemptResult.Failed(
                    ErrorCodes.TARGET_TIMEOUT, "no response within the attempt timeout", true, elapsed);
        }
        if (e.isClientSide() || e.getStatusCode() <= 0) {
            Throwable root = e;
            boolean network = false;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
                network |= root instanceof IOException;
            }
            if (network) {
                return new AttemptResult.Failed(
                        ErrorCodes.TARGET_UNREACHABLE, firstLine(root.toString()), true, elapsed);
            }
            // Not the network: the SDK could not build or sign the call. Trying again would fail the same way.
            return new AttemptResult.Failed(
                    ErrorCodes.INTERNAL_ERROR,
                    "the OCI SDK could not make the call: " + firstLine(root.toString()),
                    false,
                    elapsed);
        }
        String code = e.getServiceCode() == null || e.getServiceCode().isBlank()
                ? ErrorCodes.TARGET_RESPONSE_ERROR
                : e.getServiceCode();
        String message = firstLine(e.getUnmodifiedMessage());
        ObjectNode error = mapper.createObjectNode().put("code", code).put("message", message);
        return new AttemptResult.Responded(
                e.getStatusCode(),
                "application/json",
                error.toString().getBytes(StandardCharsets.UTF_8),
                false,
                null,
                elapsed,
                code,
                message);
    }

    /** The egress policy's refusal among the causes of {@code e}, if that is what ended the call. */
    private static Optional<EgressRefusedException> refusal(BmcException e) {
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof EgressRefusedException refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
                return header.getValue().get(0);
            }
        }
        return null;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @PreDestroy
    void close() {
        calls.shutdownNow();
    }
}
