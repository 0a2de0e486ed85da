package dev.courier.listener.dispatch;

import java.net.InetAddress;
import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class EgressPolicyTest {
    private final EgressPolicy production = new EgressPolicy(false, false);
    private final EgressPolicy local = new EgressPolicy(true, false);

    @ParameterizedTest(name = "{0}: production={1}, local={2}")
    @CsvSource({
        "8.8.8.8, true, true",
        "2001:4860:4860::8888, true, true",
        "127.0.0.1, false, true",
        "127.10.0.3, false, true",
        "::1, false, true",
        "10.1.2.3, false, false",
        "172.16.0.1, false, false",
        "172.31.255.255, false, false",
        "172.32.0.1, true, true",
        "192.168.1.1, false, false",
        "100.64.0.1, false, false",
        "169.254.169.254, false, false",
        "fe80::1, false, false",
        "fd00::1, false, false",
        "0.0.0.0, false, false",
        "224.0.0.1, false, false",
        "::ffff:10.0.0.1, false, false",
        "::ffff:169.254.169.254, false, false",
    })
    void addressesAreAllowedOnlyWhereThePolicySaysSo(String address, boolean inProduction, boolean inLocal)
            throws Exception {
        InetAddress parsed = InetAddress.getByName(address);
        assertThat(production.refusal(parsed).isEmpty()).as("production").isEqualTo(inProduction);
        assertThat(local.refusal(parsed).isEmpty()).as("local").isEqualTo(inLocal);
    }

    @ParameterizedTest
    @CsvSource({"http://localhost:8080/x", "http://127.0.0.1/x", "http://[::1]/x", "http://10.0.0.8/x"})
    void urlsNamingInternalHostsAreRefusedInProduction(String url) {
        assertThat(production.refusal(URI.create(url))).isPresent();
    }
}
