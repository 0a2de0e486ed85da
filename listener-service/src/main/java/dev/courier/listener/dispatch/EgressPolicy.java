package dev.courier.listener.dispatch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.listener.config.ListenerConfig;

/**
 * Decides whether Courier may call an address, so that a caller cannot use it to reach a private network or a cloud
 * metadata service (SSRF). Every address the host name resolves to must be allowed.
 *
 * <p>Known limit: the HTTP client resolves the name again when it connects; a name whose DNS answer changes between
 * the two look-ups (DNS rebinding) is not caught here. Network policy in the cluster is the second line.
 */
@ApplicationScoped
public class EgressPolicy {
    private final boolean allowLoopback;
    private final boolean allowPrivateNetworks;

    @Inject
    public EgressPolicy(ListenerConfig config) {
        this(config.egress().allowLoopback(), config.egress().allowPrivateNetworks());
    }

    EgressPolicy(boolean allowLoopback, boolean allowPrivateNetworks) {
        this.allowLoopback = allowLoopback;
        this.allowPrivateNetworks = allowPrivateNetworks;
    }

    /**
     * Why {@code url} may not be called, or empty if it may. Blocks while the host name is resolved; call it off
     * event-loop threads.
     */
    public Optional<String> refusal(URI url) {
        return refusal(url, false);
    }

    /**
     * Why {@code url} may not be called, or empty if it may; {@code privateAllowed} (a configured route's allowance)
     * also admits loopback and private-network addresses.
     */
    public Optional<String> refusal(URI url, boolean privateAllowed) {
        String host = url.getHost();
        if (host == null) {
            return Optional.of("the URL has no host");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.empty(); // not ours to judge: the call itself will fail as unreachable (and be retried)
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = privateAllowed ? alwaysRefused(address) : refusal(address);
            if (refusal.isPresent()) {
                return Optional.of(host + " resolves to " + address.getHostAddress() + ", " + refusal.get());
            }
        }
        return Optional.empty();
    }

    /** Why {@code address} may not be called, or empty if it may. */
    Optional<String> refusal(InetAddress address) {
        Optional<String> never = alwaysRefused(address);
        if (never.isPresent()) {
            return never;
        }
        InetAddress effective = unmapped(address);
        if (effective.isLoopbackAddress()) {
            return allowLoopback ? Optional.empty() : Optional.of("a loopback address, which is not allowed here");
        }
        if (isPrivate(effective)) {
            return allowPrivateNetworks
                    ? Optional.empty()
                    : Optional.of("a private-network address, which is not allowed here");
        }
        return Optional.empty();
    }

    /** Addresses no configuration allows: unspecified, multicast, link-local (cloud metadata). */
    private static Optional<String> alwaysRefused(InetAddress address) {
        InetAddress effective = unmapped(address);
        if (effective.isAnyLocalAddress() || effective.isMulticastAddress()) {
            return Optional.of("which is never a valid target");
        }
        if (effective.isLinkLocalAddress()) {
            return Optional.of("a link-local address (cloud metadata services live here), which is never allowed");
        }
        return Optional.empty();
    }

    private static boolean isPrivate(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xFF;
            int second = bytes[1] & 0xFF;
            return first == 10
                    || (first == 172 && second >= 16 && second <= 31)
                    || (first == 192 && second == 168)
                    || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
                    || first == 0;
        }
        return (bytes[0] & 0xFE) == 0xFC; // fc00::/7 unique local
    }

    /** The IPv4 address inside an IPv4-mapped or IPv4-compatible IPv6 address, so ::ffff:10.0.0.1 counts as 10/8. */
    private static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            boolean leadingZeros = true;
            for (int i = 0; i < 10; i++) {
                leadingZeros &= bytes[i] == 0;
            }
            boolean mapped = leadingZeros && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }
}
