package dev.courier.listener.dispatch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link HostResolver} a test controls: each name answers from a script, its n-th look-up the n-th answer and the
 * last one after that. Names without a script, address literals included, go to the system resolver.
 */
public final class ScriptedHostResolver implements HostResolver {
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

    /** Scripts the answers of {@code host}, one address per look-up. */
    public void answer(String host, String... addresses) {
        answers.put(host, List.of(addresses));
    }

    /** How often {@code host} was looked up. */
    public int lookups(String host) {
        AtomicInteger count = lookups.get(host);
        return count == null ? 0 : count.get();
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        List<String> script = answers.get(host);
        if (script == null) {
            return HostResolver.SYSTEM.resolve(host);
        }
        int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
        return new InetAddress[] {InetAddress.getByName(script.get(Math.min(n, script.size() - 1)))};
    }
}
