package dev.courier.listener.callback;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.http.CourierHeaders;
import dev.courier.common.record.Condition;
import dev.courier.common.record.InvocationRecord.CallbackOutcome;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.secret.SealedHeaders.UnreadableHeaderException;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.dispatch.AttemptResult;
import dev.courier.listener.dispatch.EgressRefusedException;
import dev.courier.listener.dispatch.ForwardedHeaders;
import dev.courier.listener.dispatch.OutboundHttp;
import dev.courier.listener.retry.RetrySchedule;

/**
 * Forwards an invocation's outcome to its callback address: the target's response body verbatim with the target's
 * content type, and the {@code Courier-*} headers that say which invocation it is and how it ended (SPEC section 4).
 * Sealed {@code callback.headers} values are opened here, into the call and nowhere else; one that does not open ends
 * the callback undelivered, not retried, without a call.
 */
@ApplicationScoped
public class CallbackSender {
    /** Set when the target's response was longer than the configured maximum and has been cut. */
    public static final String RESPONSE_TRUNCATED = "Courier-Response-Truncated";

    /** Standard Webhooks: the message id. */
    public static final String WEBHOOK_ID = "webhook-id";

    /** Standard Webhooks: seconds since the epoch when the callback was signed. */
    public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";

    /** Standard Webhooks: {@code v1,<base64 HMAC-SHA256>}, one per signing secret. */
    public static final String WEBHOOK_SIGNATURE = "webhook-signature";

    private final OutboundHttp http;
    private final WebhookSigner signer;
    private final Duration timeout;
    private final SealedHeaders sealing;

    public CallbackSender(OutboundHttp http, WebhookSigner signer, SealedHeaders sealing, ListenerConfig config) {
        this.http = http;
        this.signer = signer;
        this.sealing = sealing;
        this.timeout = config.callback().timeout();
    }

    /**
     * POSTs the outcome to {@code request.callback().url()}; the stage never fails, it ends in the callback's outcome.
     * {@code result} is the last attempt's, or null when none was made (an invocation that expired first).
     */
    public CompletionStage<Delivery> send(
            InvocationRequest request, AttemptResult result, Condition condition, int attempts) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(request.callback().url())).timeout(timeout);
        if (request.callback().headers() != null) {
            try {
                for (Map.Entry<String, String> header :
                        request.callback().headers().entrySet()) {
                    if (ForwardedHeaders.forwardable(header.getKey())) {
                        String value = sealing.open(
                                request.id(), SealedHeaders.CALLBACK_HEADERS, header.getKey(), header.getValue());
                        ForwardedHeaders.add(builder, header.getKey(), value);
                    }
                }
            } catch (UnreadableHeaderException | IllegalArgumentException e) {
                return CompletableFuture.completedFuture(
                        new Delivery(new CallbackOutcome(null, e.getMessage()), false, Optional.empty()));
            }
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
        if (signer.enabled()) {
            // The invocation id is the message id: a receiver deduplicates a callback delivered twice by it.
            long timestamp = Instant.now().getEpochSecond();
            builder.header(WEBHOOK_ID, request.id())
                    .header(WEBHOOK_TIMESTAMP, Long.toString(timestamp))
                    .header(WEBHOOK_SIGNATURE, signer.signature(request.id(), timestamp, body));
        }
        builder.POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(builder.build()).handle((exchange, error) -> {
            if (error == null) {
                int status = exchange.status();
                boolean delivered = status >= 200 && status < 300;
                return new Delivery(
                        new CallbackOutcome(status, delivered ? null : "callback answered " + status),
                        status == 408 || status == 429 || status >= 500,
                        RetrySchedule.parseRetryAfter(exchange.retryAfter().orElse(null), Instant.now()));
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return new Delivery(
                    new CallbackOutcome(null, cause.getClass().getSimpleName() + ": " + cause.getMessage()),
                    !(cause instanceof EgressRefusedException),
                    Optional.empty());
        });
    }

    /**
     * How one callback delivery went.
     *
     * @param outcome what the invocation record says of it
     * @param retryable whether trying again may help (timeouts, connection errors, 408, 429, 5xx)
     * @param retryAfter the callback endpoint's Retry-After, if any
     */
    public record Delivery(CallbackOutcome outcome, boolean retryable, Optional<Duration> retryAfter) {
        /** Whether the callback endpoint accepted it. */
        public boolean delivered() {
            return outcome.error() == null;
        }
    }
}
