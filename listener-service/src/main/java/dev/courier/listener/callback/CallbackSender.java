package dev.courier.listener.callback;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.record.Condition;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.InvocationRequest;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.dispatch.AttemptResult;
import dev.courier.listener.dispatch.ForwardedHeaders;
import dev.courier.listener.dispatch.OutboundHttp;

/**
 * Forwards an invocation's outcome to its callback address: the target's response body verbatim with the target's
 * content type, and the {@code Courier-*} headers that say which invocation it is and how it ended (SPEC section 4).
 */
@ApplicationScoped
public class CallbackSender {
    /** Set when the target's response was longer than the configured maximum and has been cut. */
    public static final String RESPONSE_TRUNCATED = "Courier-Response-Truncated";

    private final OutboundHttp http;
    private final Duration timeout;

    public CallbackSender(OutboundHttp http, ListenerConfig config) {
        this.http = http;
        this.timeout = config.callback().timeout();
    }

    /**
     * POSTs the outcome to {@code request.callback().url()}; the stage never fails, it ends in the callback's outcome.
     */
    public CompletionStage<CallbackOutcome> send(
            InvocationRequest request, AttemptResult result, Condition condition, int attempts) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(request.callback().url())).timeout(timeout);
        if (request.callback().headers() != null) {
            request.callback().headers().forEach((name, value) -> {
                if (ForwardedHeaders.forwardable(name)) {
                    builder.header(name, value);
                }
            });
        }
        builder.header(CourierHeaders.INVOCATION_ID, request.id())
                .header(CourierHeaders.CONDITION, condition.wireName())
                .header(CourierHeaders.CORRELATION_ID, request.effectiveCorrelationId())
                .header(CourierHeaders.ATTEMPTS, Integer.toString(attempts));
        byte[] body = new byte[0];
        if (result instanceof AttemptResult.Responded responded) {
            builder.header(CourierHeaders.STATUS, Integer.toString(responded.status()));
            body = responded.body();
            if (responded.contentType() != null) {
                builder.header("Content-Type", responded.contentType());
            }
            if (responded.truncated()) {
                builder.header(RESPONSE_TRUNCATED, "true");
            }
        }
        builder.POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(builder.build()).handle((exchange, error) -> {
            if (error == null) {
                boolean delivered = exchange.status() >= 200 && exchange.status() < 300;
                return new CallbackOutcome(
                        exchange.status(), delivered ? null : "callback answered " + exchange.status());
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return new CallbackOutcome(null, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        });
    }
}
