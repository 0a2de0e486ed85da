package dev.courier.listener.oci;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.record.ErrorCodes;
import dev.courier.common.request.InvocationRequest;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.config.TestListenerConfig;
import dev.courier.listener.dispatch.AttemptResult;
import dev.courier.listener.dispatch.EgressPolicy;
import dev.courier.listener.dispatch.FunctionInvoker;
import dev.courier.listener.dispatch.ScriptedHostResolver;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A function's invoke endpoint is connected to only at an address the egress policy allows at that moment: the OCI
 * SDK's client resolves the endpoint's name through the policy ({@link EgressDnsResolver}), against a
 * {@link FakeOciServer} on 127.0.0.1 that verifies every signature. The names, as in {@code EgressPinningTest}:
 * {@code fn.pinned.invalid} resolves to 127.0.0.1 through the policy only; {@code localhost} first resolves to a
 * public address (203.0.113.7, never routed), then to 127.0.0.1, which is also what the system resolver answers.
 */
class InvokeEndpointPinningTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    private final ScriptedHostResolver resolver = new ScriptedHostResolver();
    private final String function = "ocid1.fnfunc.oc1.iad." + Ulid.next().toLowerCase();
    private FakeOciServer oci;
    private OciFunctions functions;

    @BeforeEach
    void start() {
        oci = FakeOciServer.start().registerFunction(function);
        resolver.answer("fn.pinned.invalid", "127.0.0.1");
        resolver.answer("localhost", "203.0.113.7", "127.0.0.1");
    }

    @AfterEach
    void stop() {
        if (functions != null) {
            functions.close();
        }
        oci.close();
    }

    @Test
    void anInvokeEndpointIsConnectedToTheCheckedAddressAndSignedForItsName() throws Exception {
        String endpoint = "http://fn.pinned.invalid:" + port();

        AttemptResult result = invoke(new EgressPolicy(resolver, true, false), endpoint);

        assertThat(result)
                .isInstanceOfSatisfying(AttemptResult.Responded.class, responded -> assertThat(responded.status())
                        .isEqualTo(200));
        // The fake verified the signature, which covers the Host header: the endpoint's name, not the address.
        assertThat(oci.awaitInvocations(function, 1, WAIT).get(0).header("Host"))
                .isEqualTo("fn.pinned.invalid:" + port());
    }

    @Test
    void anInvokeEndpointWhoseNameRebindsToLoopbackAfterTheCheckIsNotReached() throws Exception {
        AttemptResult result = invoke(new EgressPolicy(resolver, false, false), "http://localhost:" + port());

        // The invoker's check saw the public address; the connection's own look-up saw loopback and was refused.
        assertThat(result).isInstanceOfSatisfying(AttemptResult.Failed.class, failed -> {
            assertThat(failed.errorCode()).isEqualTo(ErrorCodes.TARGET_NOT_ALLOWED);
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.message()).contains("localhost resolves to 127.0.0.1");
        });
        assertThat(oci.invocations(function)).isEmpty();
        assertThat(oci.rejections()).isEmpty();
        assertThat(resolver.lookups("localhost")).isEqualTo(2);
    }

    private AttemptResult invoke(EgressPolicy egress, String endpoint) throws Exception {
        ListenerConfig config = config();
        functions = new OciFunctions(config, egress);
        FunctionInvoker invoker = new FunctionInvoker(functions, egress, mapper, config);
        InvocationRequest request = mapper.readValue(
                "{\"id\":\"" + Ulid.next() + "\",\"target\":{\"type\":\"function\",\"functionId\":\"" + function
                        + "\",\"invokeEndpoint\":\"" + endpoint + "\"},\"body\":{\"n\":1}}",
                InvocationRequest.class);
        return invoker.invoke(request, 1).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private int port() {
        return Integer.parseInt(oci.endpoint().replaceFirst(".*:", ""));
    }

    /** An OCI identity the fake trusts, with the fake as the Functions management endpoint. */
    private ListenerConfig config() {
        TestApiKey key = TestApiKey.generate();
        key.trustedBy(oci);
        return TestListenerConfig.of(Map.of(
                "courier.listener.dispatch.connect-timeout", "1s",
                "courier.listener.oci.auth.type", "simple",
                "courier.listener.oci.auth.tenancy", key.tenancy(),
                "courier.listener.oci.auth.user", key.user(),
                "courier.listener.oci.auth.fingerprint", key.fingerprint(),
                "courier.listener.oci.auth.region", "us-ashburn-1",
                "courier.listener.oci.auth.private-key", key.privateKeyPem(),
                "courier.listener.oci.functions-endpoint", oci.endpoint()));
    }
}
