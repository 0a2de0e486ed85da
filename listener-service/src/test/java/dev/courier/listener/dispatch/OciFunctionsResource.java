package dev.courier.listener.dispatch;

import java.util.Map;

import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives the listener an OCI identity ({@code simple}, with an API key generated here) and points its Functions
 * management endpoint at a {@link FakeOciServer} that verifies every signature; a test reaches both fakes and the key
 * through an {@link OciFakes} field.
 */
public class OciFunctionsResource implements QuarkusTestResourceLifecycleManager {
    private OciFakes fakes;

    @Override
    public Map<String, String> start() {
        TestApiKey key = TestApiKey.generate();
        FakeOciServer oci = FakeOciServer.start();
        key.trustedBy(oci);
        FakeOciServer stranger = FakeOciServer.start();
        // The listener's key id, but another public key: exactly what a wrong or rotated key looks like to OCI.
        stranger.trust(key.keyId(), TestApiKey.generate().publicKey());
        fakes = new OciFakes(oci, stranger, key);
        return Map.of(
                "courier.listener.oci.auth.type", "simple",
                "courier.listener.oci.auth.tenancy", key.tenancy(),
                "courier.listener.oci.auth.user", key.user(),
                "courier.listener.oci.auth.fingerprint", key.fingerprint(),
                "courier.listener.oci.auth.region", "us-ashburn-1",
                "courier.listener.oci.auth.private-key", key.privateKeyPem(),
                "courier.listener.oci.functions-endpoint", oci.endpoint());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(fakes, new TestInjector.MatchesType(OciFakes.class));
    }

    @Override
    public void stop() {
        fakes.oci().close();
        fakes.stranger().close();
    }
}
