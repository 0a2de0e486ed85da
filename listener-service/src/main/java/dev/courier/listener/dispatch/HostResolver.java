package dev.courier.listener.dispatch;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a host name (or an address literal) into the addresses the {@link EgressPolicy} judges. Whatever it answers is
 * also exactly what a connection may use afterwards: callers connect to the checked addresses and never resolve the
 * name again (that would let a DNS answer change between the check and the connection).
 */
@FunctionalInterface
public interface HostResolver {
    /** The JVM's resolver ({@link InetAddress#getAllByName}, with its DNS cache); literals need no look-up. */
    HostResolver SYSTEM = InetAddress::getAllByName;

    /** Every address {@code host} resolves to, in the order a connection should try them. Blocks. */
    InetAddress[] resolve(String host) throws UnknownHostException;
}
