package dev.courier.listener.dispatch;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.listener.config.ListenerConfig;

/**
 * Decides whether Courier may connect to an address, so that a caller cannot use it to reach a private network, the
 * listener's own host or a cloud metadata service (SSRF).
 *
 * <p>{@link #permitted} resolves a host name once, judges every address it resolves to, and answers those addresses:
 * callers connect to them and to nothing else, never resolving the name again. The checked address is the connected
 * address, so a DNS answer that changes after the check (DNS rebinding) changes nothing. One refused address refuses
 * the host: a name that resolves to a public and a private address is not a public name.
 *
 * <p>Ranges, first match wins: <b>never</b> (no setting allows them) 0.0.0.0/8, 169.254.0.0/16 (link-local, where
 * cloud metadata services live), the metadata addresses 100.100.100.200 and fd00:ec2::254, 224.0.0.0/4 (multicast),
 * 240.0.0.0/4 (reserved, 255.255.255.255 included), ::, fe80::/10, ff00::/8; <b>loopback</b> (allowed with
 * {@code allow-loopback}) 127.0.0.0/8, ::1; <b>private</b> (allowed with {@code allow-private-networks}) 10/8,
 * 172.16/12, 192.168/16, 100.64/10, 198.18/15, fc00::/7, fec0::/10; everything else is public.
 *
 * <p>An IPv6 address that carries an IPv4 address reaches that IPv4 address, so it is judged by the IPv4 ranges:
 * IPv4-mapped ({@code ::ffff:a.b.c.d}), IPv4-translated ({@code ::ffff:0:a.b.c.d}), IPv4-compatible
 * ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::/96}), 6to4 ({@code 2002::/16}) and Teredo ({@code 2001::/32}, both its
 * server and its client address). In the local-use NAT64 prefix {@code 64:ff9b:1::/48} the operator chooses where
 * the IPv4 address sits, so every RFC 6052 layout the address fits is judged, and the prefix itself counts as private
 * (the strictest reading wins: an address laid out after a /48 or /56 prefix also reads as 0.0.0.0 at /96, and is
 * never allowed).
 */
@ApplicationScoped
public class EgressPolicy {
    private static final List<Range> IPV4_RANGES = List.of(
            Range.of("0.0.0.0/8", Reach.NEVER, "a 'this network' address (0.0.0.0/8, which reaches the host itself)"),
            Range.of("127.0.0.0/8", Reach.LOOPBACK, "a loopback address (127.0.0.0/8)"),
            Range.of(
                    "169.254.0.0/16",
                    Reach.NEVER,
                    "a link-local address (169.254.0.0/16, where cloud metadata services live)"),
            Range.of("100.100.100.200/32", Reach.NEVER, "a cloud metadata service's address (100.100.100.200)"),
            Range.of("10.0.0.0/8", Reach.PRIVATE, "a private-network address (10.0.0.0/8)"),
            Range.of("172.16.0.0/12", Reach.PRIVATE, "a private-network address (172.16.0.0/12)"),
            Range.of("192.168.0.0/16", Reach.PRIVATE, "a private-network address (192.168.0.0/16)"),
            Range.of("100.64.0.0/10", Reach.PRIVATE, "a carrier-grade NAT address (100.64.0.0/10)"),
            Range.of("198.18.0.0/15", Reach.PRIVATE, "a benchmarking-network address (198.18.0.0/15)"),
            Range.of("224.0.0.0/4", Reach.NEVER, "a multicast address (224.0.0.0/4)"),
            Range.of("255.255.255.255/32", Reach.NEVER, "the broadcast address"),
            Range.of("240.0.0.0/4", Reach.NEVER, "a reserved address (240.0.0.0/4)"));

    private static final List<Range> IPV6_RANGES = List.of(
            Range.of("::/128", Reach.NEVER, "the unspecified address (::)"),
            Range.of("::1/128", Reach.LOOPBACK, "the loopback address (::1)"),
            Range.of("fe80::/10", Reach.NEVER, "a link-local address (fe80::/10, where cloud metadata services live)"),
            Range.of("fec0::/10", Reach.PRIVATE, "a site-local address (fec0::/10)"),
            Range.of("fd00:ec2::254/128", Reach.NEVER, "a cloud metadata service's address (fd00:ec2::254)"),
            Range.of("fc00::/7", Reach.PRIVATE, "a unique local address (fc00::/7)"),
            Range.of("ff00::/8", Reach.NEVER, "a multicast address (ff00::/8)"));

    /** IPv6 prefixes whose addresses carry an IPv4 address, which is what they reach; first match wins. */
    private static final List<Embedding> EMBEDDINGS = List.of(
            new Embedding(
                    "IPv4-mapped",
                    Range.of(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF), 96),
                    null,
                    address -> List.of(ipv4(address, 12, 13, 14, 15))),
            new Embedding(
                    "IPv4-translated",
                    Range.of(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0), 96),
                    null,
                    address -> List.of(ipv4(address, 12, 13, 14, 15))),
            // :: and ::1 are not IPv4-compatible: they are the unspecified and the loopback address (IPV6_RANGES).
            new Embedding(
                    "IPv4-compatible",
                    Range.of(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 96),
                    null,
                    address -> (address[12] | address[13] | address[14]) == 0 && (address[15] & 0xFE) == 0
                            ? List.of()
                            : List.of(ipv4(address, 12, 13, 14, 15))),
            new Embedding(
                    "NAT64",
                    Range.of("64:ff9b::/96", null, null),
                    null,
                    address -> List.of(ipv4(address, 12, 13, 14, 15))),
            new Embedding(
                    "local-use NAT64",
                    Range.of("64:ff9b:1::/48", null, null),
                    new Finding(Reach.PRIVATE, "a local-use NAT64 address (64:ff9b:1::/48)"),
                    EgressPolicy::localUseNat64),
            new Embedding(
                    "6to4", Range.of("2002::/16", null, null), null, address -> List.of(ipv4(address, 2, 3, 4, 5))),
            // Teredo: the server's address in bits 32-63, the client's (which the traffic goes to) inverted at the end.
            new Embedding(
                    "Teredo",
                    Range.of("2001::/32", null, null),
                    null,
                    address -> List.of(ipv4(address, 4, 5, 6, 7), inverted(ipv4(address, 12, 13, 14, 15)))));

    private final HostResolver resolver;
    private final boolean allowLoopback;
    private final boolean allowPrivateNetworks;

    @Inject
    public EgressPolicy(ListenerConfig config) {
        this(
                HostResolver.SYSTEM,
                config.egress().allowLoopback(),
                config.egress().allowPrivateNetworks());
    }

    /** A policy that resolves names with {@code resolver} (tests give it one whose answers they control). */
    public EgressPolicy(HostResolver resolver, boolean allowLoopback, boolean allowPrivateNetworks) {
        this.resolver = resolver;
        this.allowLoopback = allowLoopback;
        this.allowPrivateNetworks = allowPrivateNetworks;
    }

    /**
     * The addresses a connection to {@code url} may use: its host resolved once, every address checked. Connect to
     * these, in this order, and never resolve the host again. With {@code privateAllowed} (a configured route's
     * allowance), loopback and private-network addresses are allowed too. Blocks while the name is resolved; call it
     * off event-loop threads (an address literal needs no look-up).
     *
     * @throws EgressRefusedException if the URL has no host or an address is refused
     * @throws UnknownHostException if the host does not resolve (not a refusal: the call fails as unreachable)
     */
    public List<InetAddress> permitted(URI url, boolean privateAllowed)
            throws EgressRefusedException, UnknownHostException {
        if (url.getHost() == null) {
            throw new EgressRefusedException("the URL has no host");
        }
        return permitted(url.getHost(), privateAllowed);
    }

    /** As {@link #permitted(URI, boolean)}, for a host name or address literal. */
    public List<InetAddress> permitted(String host, boolean privateAllowed)
            throws EgressRefusedException, UnknownHostException {
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            String detail = e.getMessage() == null || e.getMessage().equals(host) ? "" : " (" + e.getMessage() + ")";
            throw new UnknownHostException("cannot resolve " + host + detail);
        }
        if (addresses.length == 0) {
            throw new UnknownHostException("cannot resolve " + host + " (no addresses)");
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = refusal(address, privateAllowed);
            if (refusal.isPresent()) {
                throw new EgressRefusedException(
                        host + " resolves to " + address.getHostAddress() + ", " + refusal.get());
            }
        }
        return List.of(addresses);
    }

    /** Why {@code address} may not be connected to, or empty if it may. */
    Optional<String> refusal(InetAddress address, boolean privateAllowed) {
        for (Finding finding : findings(address.getAddress())) {
            boolean allowed =
                    switch (finding.reach()) {
                        case NEVER -> false;
                        case LOOPBACK -> allowLoopback || privateAllowed;
                        case PRIVATE -> allowPrivateNetworks || privateAllowed;
                    };
            if (!allowed) {
                return Optional.of(finding.what()
                        + (finding.reach() == Reach.NEVER
                                ? ", which is never allowed"
                                : ", which is not allowed here"));
            }
        }
        return Optional.empty();
    }

    /** What is not public about an address (4 or 16 bytes); empty for a public address. */
    private static List<Finding> findings(byte[] address) {
        if (address.length == 4) {
            return IPV4_RANGES.stream()
                    .filter(range -> range.contains(address))
                    .findFirst()
                    .map(range -> List.of(new Finding(range.reach(), range.what())))
                    .orElse(List.of());
        }
        for (Embedding embedding : EMBEDDINGS) {
            if (!embedding.prefix().contains(address)) {
                continue;
            }
            List<byte[]> carried = embedding.ipv4().apply(address);
            if (carried.isEmpty()) {
                break; // not this form after all (:: and ::1): judged as the IPv6 address it is
            }
            List<Finding> findings = new ArrayList<>();
            if (embedding.own() != null) {
                findings.add(embedding.own());
            }
            for (byte[] ipv4 : carried) {
                for (Finding finding : findings(ipv4)) {
                    findings.add(new Finding(
                            finding.reach(),
                            "which carries " + text(ipv4) + " (" + embedding.name() + "), " + finding.what()));
                }
            }
            return findings;
        }
        return IPV6_RANGES.stream()
                .filter(range -> range.contains(address))
                .findFirst()
                .map(range -> List.of(new Finding(range.reach(), range.what())))
                .orElse(List.of());
    }

    /** Which setting, if any, may allow an address. */
    private enum Reach {
        /** No setting: unspecified, link-local, metadata, multicast, broadcast, reserved. */
        NEVER,
        /** {@code allow-loopback}, or a route's {@code allow-private}. */
        LOOPBACK,
        /** {@code allow-private-networks}, or a route's {@code allow-private}. */
        PRIVATE
    }

    /** Why an address is not public, in words that end up in the invocation record. */
    private record Finding(Reach reach, String what) {}

    /** An address prefix and what an address in it is. */
    private record Range(byte[] prefix, int bits, Reach reach, String what) {
        static Range of(String cidr, Reach reach, String what) {
            int slash = cidr.indexOf('/');
            try {
                // Only literals, and none IPv4-mapped (InetAddress would turn those into IPv4): no look-up happens.
                byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
                return new Range(prefix, Integer.parseInt(cidr.substring(slash + 1)), reach, what);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        static Range of(byte[] leading, int bits) {
            byte[] prefix = new byte[16];
            System.arraycopy(leading, 0, prefix, 0, leading.length);
            return new Range(prefix, bits, null, null);
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return rest == 0 || (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    /**
     * An IPv6 form that carries IPv4 addresses.
     *
     * @param name the form's name, for the refusal's words
     * @param prefix where its addresses are
     * @param own what an address of the prefix is in itself, or null if that is only what it carries
     * @param ipv4 the IPv4 addresses one of its addresses carries; none if the address is not of the form after all
     */
    private record Embedding(String name, Range prefix, Finding own, Function<byte[], List<byte[]>> ipv4) {}

    private static byte[] ipv4(byte[] address, int... positions) {
        byte[] ipv4 = new byte[4];
        for (int i = 0; i < 4; i++) {
            ipv4[i] = address[positions[i]];
        }
        return ipv4;
    }

    /**
     * The IPv4 addresses a local-use NAT64 address may carry. The operator's prefix is /48, /56, /64 or /96 long and
     * the IPv4 address follows it (RFC 6052), skipping bits 64-71, which are zero, as are the bits after it; every
     * layout the address fits is a candidate. /96 always fits.
     */
    private static List<byte[]> localUseNat64(byte[] address) {
        List<byte[]> carried = new ArrayList<>();
        if (address[8] == 0) {
            if (zero(address, 11)) {
                carried.add(ipv4(address, 6, 7, 9, 10));
            }
            if (zero(address, 12)) {
                carried.add(ipv4(address, 7, 9, 10, 11));
            }
            if (zero(address, 13)) {
                carried.add(ipv4(address, 9, 10, 11, 12));
            }
        }
        carried.add(ipv4(address, 12, 13, 14, 15));
        return carried;
    }

    /** Whether every byte of {@code address} from {@code from} on is zero. */
    private static boolean zero(byte[] address, int from) {
        for (int i = from; i < address.length; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] inverted(byte[] ipv4) {
        for (int i = 0; i < ipv4.length; i++) {
            ipv4[i] = (byte) ~ipv4[i];
        }
        return ipv4;
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    private static String text(byte[] ipv4) {
        return (ipv4[0] & 0xFF) + "." + (ipv4[1] & 0xFF) + "." + (ipv4[2] & 0xFF) + "." + (ipv4[3] & 0xFF);
    }
}
