package dev.courier.listener.oci;

import java.net.InetAddress;
import java.net.UnknownHostException;

import dev.courier.listener.dispatch.EgressPolicy;
import dev.courier.listener.dispatch.EgressRefusedException;
import org.apache.http.conn.DnsResolver;

/**
 * Name resolution for the connections of the SDK's invoke clients (the Apache HTTP client under Jersey), through the
 * {@link EgressPolicy}: the client connects to the addresses this answers and resolves nothing itself, so a
 * connection to an invoke endpoint is opened only to an address that passed the policy when it was opened. The
 * address is pinned at the connection, which is where a DNS answer that changed since an earlier check (DNS
 * rebinding) would otherwise slip through.
 *
 * <p>A refusal has to leave as an {@link UnknownHostException} (the only failure a resolver may throw); its cause is
 * the {@link EgressRefusedException}, which the function invoker looks for to end the call as not allowed.
 */
final class EgressDnsResolver implements DnsResolver {
    private final EgressPolicy egress;

    EgressDnsResolver(EgressPolicy egress) {
        this.egress = egress;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        try {
            return egress.permitted(host, false).toArray(InetAddress[]::new);
        } catch (EgressRefusedException e) {
            UnknownHostException refused = new UnknownHostException(e.getMessage());
            refused.initCause(e);
            throw refused;
        }
    }
}
