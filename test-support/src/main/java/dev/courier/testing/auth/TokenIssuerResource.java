package dev.courier.testing.auth;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource that starts a {@link TestTokenIssuer} before the application and turns authentication on with
 * it ({@link TestTokenIssuer#config()}). A test signs its tokens through an {@link InjectTokenIssuer} field.
 */
public class TokenIssuerResource implements QuarkusTestResourceLifecycleManager {
    private TestTokenIssuer issuer;

    @Override
    public Map<String, String> start() {
        issuer = TestTokenIssuer.start();
        return issuer.config();
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                issuer, new TestInjector.AnnotatedAndMatchesType(InjectTokenIssuer.class, TestTokenIssuer.class));
    }

    @Override
    public void stop() {
        if (issuer != null) {
            issuer.close();
        }
    }
}
