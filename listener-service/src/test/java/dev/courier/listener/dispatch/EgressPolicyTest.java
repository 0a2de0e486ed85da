package dev.courier.listener.dispatch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressPolicyTest {
    private final EgressPolicy production = new EgressPolicy(HostResolver.SYSTEM, false, false);
    private final EgressPolicy local = new EgressPolicy(HostResolver.SYSTEM, true, false);
    private final EgressPolicy privateNetworks = new EgressPolicy(HostResolver.SYSTEM, false, true);

    /**
     * Every range, under each setting: production (neither allowance), local ({@code allow-loopback}),
     * {@code allow-private-networks}, and a route with {@code allow-private} (in production). Addresses that carry
     * an IPv4 address (mapped, translated, compatible, NAT64, 6to4, Teredo) are judged by that IPv4 address.
     */
    @ParameterizedTest(name = "{0}: production={1}, local={2}, private-networks={3}, route={4}")
    @CsvSource({
        // public
        "8.8.8.8, true, true, true, true",
        "2001:4860:4860::8888, true, true, true, true",
        "172.32.0.1, true, true, true, true",
        "100.63.255.255, true, true, true, true",
        "100.128.0.1, true, true, true, true",
        "198.17.255.255, true, true, true, true",
        "198.20.0.1, true, true, true, true",
        "223.255.255.255, true, true, true, true",
        // loopback
        "127.0.0.1, false, true, false, true",
        "127.10.0.3, false, true, false, true",
        "::1, false, true, false, true",
        // private networks
        "10.1.2.3, false, false, true, true",
        "172.16.0.1, false, false, true, true",
        "172.31.255.255, false, false, true, true",
        "192.168.1.1, false, false, true, true",
        "100.64.0.1, false, false, true, true",
        "198.18.0.1, false, false, true, true",
        "198.19.255.254, false, false, true, true",
        "fd00::1, false, false, true, true",
        "fec0::1, false, false, true, true",
        // never: this network, link-local and metadata, multicast, reserved, broadcast, unspecified
        "0.0.0.0, false, false, false, false",
        "0.1.2.3, false, false, false, false",
        "169.254.169.254, false, false, false, false",
        "169.254.0.1, false, false, false, false",
        "100.100.100.200, false, false, false, false",
        "224.0.0.1, false, false, false, false",
        "239.255.255.250, false, false, false, false",
        "240.0.0.1, false, false, false, false",
        "255.255.255.254, false, false, false, false",
        "255.255.255.255, false, false, false, false",
        "::, false, false, false, false",
        "fe80::1, false, false, false, false",
        "ff02::1, false, false, false, false",
        "fd00:ec2::254, false, false, false, false",
        // IPv4-mapped ::ffff:a.b.c.d
        "::ffff:8.8.8.8, true, true, true, true",
        "::ffff:127.0.0.1, false, true, false, true",
        "::ffff:10.0.0.1, false, false, true, true",
        "::ffff:169.254.169.254, false, false, false, false",
        // IPv4-translated ::ffff:0:a.b.c.d
        "::ffff:0:808:808, true, true, true, true",
        "::ffff:0:7f00:1, false, true, false, true",
        "::ffff:0:a9fe:a9fe, false, false, false, false",
        // IPv4-compatible ::a.b.c.d
        "::8.8.8.8, true, true, true, true",
        "::127.0.0.1, false, true, false, true",
        "::10.0.0.1, false, false, true, true",
        "::169.254.169.254, false, false, false, false",
        "::0.0.0.2, false, false, false, false",
        // NAT64 64:ff9b::/96
        "64:ff9b::808:808, true, true, true, true",
        "64:ff9b::7f00:1, false, true, false, true",
        "64:ff9b::a00:1, false, false, true, true",
        "64:ff9b::a9fe:a9fe, false, false, false, false",
        "64:ff9b::e000:1, false, false, false, false",
        // local-use NAT64 64:ff9b:1::/48: private in itself, and the IPv4 address of every layout it fits: /96 ...
        "64:ff9b:1::808:808, false, false, true, true",
        "64:ff9b:1::7f00:1, false, false, false, true",
        "64:ff9b:1::a9fe:a9fe, false, false, false, false",
        // ... /64 (127.0.0.1 there, 1.0.0.0 read as /96) ...
        "64:ff9b:1:abcd:7f::100:0, false, false, false, true",
        // ... and /48 (8.8.8.8 there), which reads as 0.0.0.0 at /96: never allowed
        "64:ff9b:1:808:8:800::, false, false, false, false",
        // 6to4 2002::/16
        "2002:808:808::1, true, true, true, true",
        "2002:7f00:1::, false, true, false, true",
        "2002:c0a8:101::, false, false, true, true",
        "2002:a9fe:a9fe::, false, false, false, false",
        // Teredo 2001::/32: server in bits 32-63, client inverted in the last 32 (RFC 4380's example first)
        "2001:0:4136:e378:8000:63bf:3fff:fdd2, true, true, true, true",
        "2001:0:4136:e378::80ff:fffe, false, true, false, true",
        "2001:0:4136:e378::f5ff:fffe, false, false, true, true",
        "2001:0:a9fe:a9fe::f7f7:f7f7, false, false, false, false",
    })
    void addressesAreAllowedOnlyWhereThePolicySaysSo(
            String literal, boolean inProduction, boolean inLocal, boolean withPrivateNetworks, boolean onARoute)
            throws Exception {
        InetAddress address = address(literal);
        assertThat(production.refusal(address, false)).as("production").matches(r -> r.isEmpty() == inProduction);
        assertThat(local.refusal(address, false)).as("local").matches(r -> r.isEmpty() == inLocal);
        assertThat(privateNetworks.refusal(address, false))
                .as("allow-private-networks")
                .matches(r -> r.isEmpty() == withPrivateNetworks);
        assertThat(production.refusal(address, true)).as("route").matches(r -> r.isEmpty() == onARoute);
    }

    @Test
    void aRefusalOfAnEmbeddedAddressNamesTheIpv4AddressAndTheForm() throws Exception {
        assertThat(production.refusal(address("64:ff9b::7f00:1"), false))
                .hasValue(
                        "which carries 127.0.0.1 (NAT64), a loopback address (127.0.0.0/8), which is not allowed here");
        assertThat(production.refusal(address("2002:a9fe:a9fe::"), false))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("which carries 169.254.169.254 (6to4), a link-local address")
                        .endsWith("which is never allowed"));
    }

    @ParameterizedTest
    @CsvSource({"http://localhost:8080/x", "http://127.0.0.1/x", "http://[::1]/x", "http://10.0.0.8/x"})
    void urlsNamingInternalHostsAreRefusedInProduction(String url) {
        assertThatThrownBy(() -> production.permitted(URI.create(url), false))
                .isInstanceOf(EgressRefusedException.class);
    }

    @Test
    void theCheckedAddressesAreTheOnesToConnectTo() throws Exception {
        EgressPolicy policy = new EgressPolicy(
                names(Map.of("api.example", new String[] {"203.0.113.7", "2001:db8::7"})), false, false);

        assertThat(policy.permitted(URI.create("https://api.example/v1"), false))
                .containsExactly(address("203.0.113.7"), address("2001:db8::7"));
    }

    @Test
    void aNameWithOnePrivateAddressAmongPublicOnesIsRefused() {
        EgressPolicy policy = new EgressPolicy(
                names(Map.of("mixed.example", new String[] {"203.0.113.7", "10.0.0.5"})), false, false);

        assertThatThrownBy(() -> policy.permitted(URI.create("https://mixed.example/"), false))
                .isInstanceOf(EgressRefusedException.class)
                .hasMessage("mixed.example resolves to 10.0.0.5, a private-network address (10.0.0.0/8), which is not"
                        + " allowed here");
    }

    @Test
    void aNameThatDoesNotResolveIsUnreachableNotRefused() {
        EgressPolicy policy = new EgressPolicy(names(Map.of()), false, false);

        assertThatThrownBy(() -> policy.permitted(URI.create("https://nowhere.example/"), false))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageStartingWith("cannot resolve nowhere.example");
    }

    /** A resolver that knows only {@code names}. */
    private static HostResolver names(Map<String, String[]> names) {
        return host -> {
            String[] literals = names.get(host);
            if (literals == null) {
                throw new UnknownHostException(host);
            }
            InetAddress[] addresses = new InetAddress[literals.length];
            for (int i = 0; i < literals.length; i++) {
                addresses[i] = address(literals[i]);
            }
            return addresses;
        };
    }

    /**
     * The address a literal writes, without any look-up. An IPv6 literal stays IPv6 (InetAddress would turn
     * {@code ::ffff:a.b.c.d} into an IPv4 address; a resolver may still answer the 16-byte form).
     */
    private static InetAddress address(String literal) throws UnknownHostException {
        InetAddress parsed = InetAddress.getByName(literal);
        if (literal.contains(":") && parsed instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(parsed.getAddress(), 0, mapped, 12, 4);
            return Inet6Address.getByAddress(null, mapped, -1);
        }
        return parsed;
    }
}
