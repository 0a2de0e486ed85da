package dev.courier.listener.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.Condition;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.secret.SensitiveHeaders;
import dev.courier.listener.callback.CallbackSender;
import dev.courier.listener.callback.WebhookSigner;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.config.TestListenerConfig;
import dev.courier.testing.http.RecordingHttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection goes to the address the egress policy checked, never to a fresh DNS answer (DNS rebinding), for
 * targets and callbacks ({@link OutboundHttp}, on Vert.x), against a real server on 127.0.0.1. Function invoke
 * endpoints: {@code InvokeEndpointPinningTest}.
 *
 * <p>Two kinds of name, resolved by the policy's {@link HostResolver}, which the test controls:
 *
 * <ul>
 *   <li>{@code *.pinned.invalid} resolves to 127.0.0.1 through the policy only (the system cannot resolve
 *       {@code .invalid}): a call arrives only if it was connected to the checked address, and the {@code Host} header
 *       shows the URL's name was kept.
 *   <li>{@code localhost} rebinds: the policy's first answer is a public address (203.0.113.7, TEST-NET-3, never
 *       routed), every later one 127.0.0.1, which is also what the system (and so any HTTP client resolving on its
 *       own) answers. The check passes; a client that resolved again at connect time would reach the server on
 *       127.0.0.1, which the production policy forbids.
 * </ul>
 */
class EgressPinningTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PUBLIC_LOOKING = "203.0.113.7";
    private static final SealedHeaders NO_KEYS = new SealedHeaders(Optional.empty(), SensitiveHeaders.of(List.of()));

    private final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    private final ListenerConfig config = TestListenerConfig.of(Map.of(
            "courier.listener.dispatch.connect-timeout", "1s",
            "courier.listener.callback.timeout", "1s"));
    private final ScriptedHostResolver resolver = new ScriptedHostResolver();
    private Vertx vertx;
    private RecordingHttpServer server;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        server = RecordingHttpServer.start();
        resolver.answer("target.pinned.invalid", "127.0.0.1");
        resolver.answer("callback.pinned.invalid", "127.0.0.1");
        resolver.answer("localhost", PUBLIC_LOOKING, "127.0.0.1");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTargetIsConnectedToTheCheckedAddressWithItsOwnHostHeader() throws Exception {
        HttpInvoker invoker = new HttpInvoker(http(new EgressPolicy(resolver, true, false)), mapper, NO_KEYS, config);
        String url = "http://target.pinned.invalid:" + port() + "/hook";

        AttemptResult result = invoker.invoke(request(httpTarget(url), ""), 1)
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        assertThat(result)
                .isInstanceOfSatisfying(AttemptResult.Responded.class, responded -> assertThat(responded.status())
                        .isEqualTo(200));
        assertThat(server.awaitOne(r -> r.path().equals("/hook"), WAIT).header("Host"))
                .isEqualTo("target.pinned.invalid:" + port());
        assertThat(resolver.lookups("target.pinned.invalid")).isEqualTo(1);
    }

    @Test
    void aTargetWhoseNameRebindsToLoopbackAfterTheCheckIsNotReached() throws Exception {
        HttpInvoker invoker = new HttpInvoker(http(new EgressPolicy(resolver, false, false)), mapper, NO_KEYS, config);
        String url = "http://localhost:" + port() + "/hook";

        AttemptResult result = invoker.invoke(request(httpTarget(url), ",\"timeoutSeconds\":1"), 1)
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        // It went to the checked address, where nothing answers; the name was looked up once, for the check.
        assertThat(result).isInstanceOfSatisfying(AttemptResult.Failed.class, failed -> assertThat(failed.errorCode())
                .isIn(ErrorCodes.TARGET_UNREACHABLE, ErrorCodes.TARGET_TIMEOUT));
        assertThat(server.received()).isEmpty();
        assertThat(resolver.lookups("localhost")).isEqualTo(1);
    }

    @Test
    void aCallbackIsConnectedToTheCheckedAddressWithItsOwnHostHeader() throws Exception {
        CallbackSender callbacks = callbacks(new EgressPolicy(resolver, true, false));
        String url = "http://callback.pinned.invalid:" + port() + "/done";

        CallbackSender.Delivery delivery = callbacks
                .send(request(httpTarget("http://203.0.113.9/x"), callback(url)), responded(), Condition.SUCCESS, 1)
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        assertThat(delivery.delivered()).isTrue();
        assertThat(server.awaitOne(r -> r.path().equals("/done"), WAIT).header("Host"))
                .isEqualTo("callback.pinned.invalid:" + port());
    }

    @Test
    void aCallbackWhoseNameRebindsToLoopbackAfterTheCheckIsNotReached() throws Exception {
        CallbackSender callbacks = callbacks(new EgressPolicy(resolver, false, false));
        String url = "http://localhost:" + port() + "/done";

        CallbackSender.Delivery delivery = callbacks
                .send(request(httpTarget("http://203.0.113.9/x"), callback(url)), responded(), Condition.SUCCESS, 1)
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        assertThat(delivery.delivered()).isFalse();
        assertThat(server.received()).isEmpty();
        assertThat(resolver.lookups("localhost")).isEqualTo(1);
    }

    private OutboundHttp http(EgressPolicy egress) {
        return new OutboundHttp(config, egress, vertx);
    }

    private CallbackSender callbacks(EgressPolicy egress) {
        return new CallbackSender(http(egress), new WebhookSigner(config), NO_KEYS, config);
    }

    private int port() {
        return Integer.parseInt(server.url("").replaceFirst(".*:", ""));
    }

    private InvocationRequest request(String target, String extra) throws Exception {
        return mapper.readValue(
                "{\"id\":\"" + Ulid.next() + "\",\"target\":" + target + ",\"body\":{\"n\":1}" + extra + "}",
                InvocationRequest.class);
    }

    private static String httpTarget(String url) {
        return "{\"type\":\"http\",\"url\":\"" + url + "\",\"method\":\"POST\"}";
    }

    private static String callback(String url) {
        return ",\"callback\":{\"url\":\"" + url + "\"}";
    }

    private static AttemptResult responded() {
        return new AttemptResult.Responded(
                200, "application/json", "{\"ok\":true}".getBytes(), false, null, Duration.ZERO);
    }
}
