package dev.courier.listener.dispatch;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HttpInvokerTest {

    @Test
    void queryParametersAreAppendedPercentEncodedBeforeAnyFragment() {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("q", List.of("a b+c"));
        query.put("ü", List.of("1", "2"));

        assertThat(HttpInvoker.targetUri("https://a.example/p?x=1#frag", query).toString())
                .isEqualTo("https://a.example/p?x=1&q=a%20b%2Bc&%C3%BC=1&%C3%BC=2#frag");
        assertThat(HttpInvoker.targetUri("https://a.example/p", Map.of("k", List.of("v")))
                        .toString())
                .isEqualTo("https://a.example/p?k=v");
        assertThat(HttpInvoker.targetUri("https://a.example/p", null).toString())
                .isEqualTo("https://a.example/p");
    }

    @Test
    void aRoutesPathGoesAfterTheRoutesOwnPathAndBeforeItsQueryAndFragment() {
        assertThat(HttpInvoker.routeUrl(URI.create("https://a.example/api?v=1#f"), "orders/42%20x"))
                .isEqualTo("https://a.example/api/orders/42%20x?v=1#f");
        assertThat(HttpInvoker.routeUrl(URI.create("https://a.example/api/"), "orders"))
                .as("no second slash after a route that ends in one")
                .isEqualTo("https://a.example/api/orders");
        assertThat(HttpInvoker.routeUrl(URI.create("https://a.example"), "orders/"))
                .isEqualTo("https://a.example/orders/");
        assertThat(HttpInvoker.routeUrl(URI.create("https://a.example/api?v=1"), null))
                .isEqualTo("https://a.example/api?v=1");
    }
}
