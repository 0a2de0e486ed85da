package dev.courier.listener.dispatch;

import java.net.URI;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundHttpTest {
    /** Only address literals skip the resolver thread; every name still goes through it. */
    @ParameterizedTest(name = "{0}: literal={1}")
    @CsvSource({
        "http://127.0.0.1:8080/x, true",
        "http://169.254.169.254/latest, true",
        "http://[::1]:9000/x, true",
        "http://[fe80::1]/x, true",
        "http://localhost/x, false",
        "https://fn.eu-frankfurt-1.oci.oraclecloud.com/x, false",
        "http://1.example/x, false",
        "http://10.0.0.8.nip.io/x, false",
    })
    void addressLiteralsAreToldFromNames(String url, boolean literal) {
        assertThat(OutboundHttp.isAddressLiteral(URI.create(url).getHost())).isEqualTo(literal);
    }
}
