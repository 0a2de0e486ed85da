package dev.courier.common.secret;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.request.InvocationRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SealedHeadersTest {
    private static final String K1 = key(1);
    private static final String K2 = key(2);
    private static final String SECRET = "Bearer s3cr3t-t0k3n";

    private final SealedHeaders sealer = sealer("k1:" + K1);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void sensitiveValuesAreSealedAndOpenToTheClearText() throws Exception {
        InvocationRequest sealed = sealer.seal(
                request(
                        """
                {"id":"inv-1","target":{"type":"http","url":"https://example.com/"},
                 "headers":{"authorization":"Bearer s3cr3t-t0k3n","X-Tenant":"acme","X-Custom-Token":"c"},
                 "callback":{"url":"https://example.com/cb","headers":{"X-Api-Key":"cb-s3cr3t"}}}
                """));

        String stored = json.writeValueAsString(sealed);
        assertThat(stored).doesNotContain("s3cr3t").contains("\"X-Tenant\":\"acme\"");
        assertThat(sealed.headers().get("authorization")).startsWith("enc:v1:k1:");
        assertThat(sealed.headers().get("X-Custom-Token")).startsWith("enc:v1:k1:"); // configured as sensitive
        assertThat(sealer.open("inv-1", SealedHeaders.HEADERS, sealed.headers()))
                .containsExactlyEntriesOf(ordered("authorization", SECRET, "X-Tenant", "acme", "X-Custom-Token", "c"));
        assertThat(sealer.open(
                        "inv-1",
                        SealedHeaders.CALLBACK_HEADERS,
                        sealed.callback().headers()))
                .containsEntry("X-Api-Key", "cb-s3cr3t");
    }

    @Test
    void aSealedValueOpensOnlyForItsInvocationFieldAndHeader() {
        String sealed = sealer.seal("inv-1", SealedHeaders.HEADERS, "Authorization", SECRET);

        assertThatThrownBy(() -> sealer.open("inv-2", SealedHeaders.HEADERS, "Authorization", sealed))
                .isInstanceOf(SealedHeaders.UnreadableHeaderException.class)
                .hasMessage("headers.Authorization: the sealed value does not open with key k1 (altered, or sealed"
                        + " for another invocation or header)");
        assertThatThrownBy(() -> sealer.open("inv-1", SealedHeaders.CALLBACK_HEADERS, "Authorization", sealed))
                .isInstanceOf(SealedHeaders.UnreadableHeaderException.class);
        assertThatThrownBy(() -> sealer.open("inv-1", SealedHeaders.HEADERS, "X-Forwarded-Token", sealed))
                .isInstanceOf(SealedHeaders.UnreadableHeaderException.class);
        char[] altered = sealed.toCharArray();
        altered[altered.length - 3] = altered[altered.length - 3] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> sealer.open("inv-1", SealedHeaders.HEADERS, "Authorization", new String(altered)))
                .isInstanceOf(SealedHeaders.UnreadableHeaderException.class);
    }

    @Test
    void aValueThatLooksSealedIsSealedAgainSoTheCallerGetsItsOwnTextBack() throws Exception {
        String foreign = sealer.seal("someone-elses-invocation", SealedHeaders.HEADERS, "Authorization", SECRET);

        InvocationRequest sealed = sealer.seal(request("{\"id\":\"inv-3\",\"target\":{\"type\":\"http\",\"url\":"
                + "\"https://example.com/\"},\"headers\":{\"X-Echo\":\"" + foreign + "\"}}"));

        assertThat(sealed.headers().get("X-Echo")).startsWith("enc:v1:k1:").isNotEqualTo(foreign);
        assertThat(sealer.open(
                        "inv-3",
                        SealedHeaders.HEADERS,
                        "X-Echo",
                        sealed.headers().get("X-Echo")))
                .isEqualTo(foreign);
    }

    @Test
    void aRotatedKeyStillOpensWhatItSealedAndTheNewKeySeals() throws Exception {
        String sealedWithK1 = sealer.seal("inv-4", SealedHeaders.HEADERS, "Cookie", "session=1");
        SealedHeaders rotated = sealer("k2:" + K2, "k1:" + K1);

        assertThat(rotated.open("inv-4", SealedHeaders.HEADERS, "Cookie", sealedWithK1))
                .isEqualTo("session=1");
        assertThat(rotated.seal("inv-4", SealedHeaders.HEADERS, "Cookie", "session=2"))
                .startsWith("enc:v1:k2:");
        assertThatThrownBy(() -> sealer("k2:" + K2).open("inv-4", SealedHeaders.HEADERS, "Cookie", sealedWithK1))
                .hasMessage("headers.Cookie: sealed with key k1, which is not configured (HeaderKeys[k2] (k2 seals))");
    }

    @Test
    void clearValuesFromADirectProducerPassAsTheyAre() throws Exception {
        assertThat(sealer.open("inv-5", SealedHeaders.HEADERS, "Authorization", SECRET))
                .isEqualTo(SECRET);
        assertThat(new SealedHeaders(Optional.empty(), SensitiveHeaders.of(List.of()))
                        .open("inv-5", SealedHeaders.HEADERS, "Authorization", SECRET))
                .isEqualTo(SECRET);
    }

    @Test
    void withoutAKeyNothingSensitiveCanBeSealed() throws Exception {
        SealedHeaders none = new SealedHeaders(Optional.empty(), SensitiveHeaders.of(List.of()));
        InvocationRequest request = request("{\"id\":\"inv-6\",\"target\":{\"type\":\"http\",\"url\":"
                + "\"https://example.com/\"},\"headers\":{\"Cookie\":\"a=b\",\"X-Tenant\":\"acme\"}}");

        assertThat(none.canSeal()).isFalse();
        assertThat(none.toSeal(request)).containsExactly("headers.Cookie");
        assertThatThrownBy(() -> none.seal(request)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badKeysAreNamedWithoutTheirMaterial() {
        assertThatThrownBy(() -> HeaderKeys.parse(List.of("k1:" + K1, "k2:" + K1.substring(4)), "courier.x.keys"))
                .hasMessage("courier.x.keys: entry 2 (key id k2): the key must be 32 bytes (AES-256), it is 29")
                .hasMessageNotContaining(K1.substring(4));
        assertThatThrownBy(() -> HeaderKeys.parse(List.of(K1), "courier.x.keys"))
                .hasMessageStartingWith("courier.x.keys: entry 1 must be <key id>:<base64 of 32 bytes>")
                .hasMessageNotContaining(K1);
        assertThatThrownBy(() -> HeaderKeys.parse(List.of("k1:" + K1, "k1:" + K2), "courier.x.keys"))
                .hasMessage("courier.x.keys: entry 2 (key id k1): the key id is used twice");
        assertThat(HeaderKeys.parse(List.of("k1:" + K1), "courier.x.keys").toString())
                .doesNotContain(K1);
    }

    private InvocationRequest request(String document) throws Exception {
        return json.readValue(document, InvocationRequest.class);
    }

    private static SealedHeaders sealer(String... keys) {
        return new SealedHeaders(
                Optional.of(HeaderKeys.parse(List.of(keys), "test")), SensitiveHeaders.of(List.of("x-custom-token")));
    }

    private static String key(int seed) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (seed * 31 + i);
        }
        return Base64.getEncoder().encodeToString(key);
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
