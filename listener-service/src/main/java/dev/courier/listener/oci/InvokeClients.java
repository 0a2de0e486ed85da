package dev.courier.listener.oci;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import com.oracle.bmc.functions.FunctionsInvokeClient;

/**
 * One {@link FunctionsInvokeClient} per invoke endpoint (an SDK client's endpoint is fixed once calls share it), at
 * most {@code max} of them: a new endpoint retires the least recently used client, which is closed as soon as no call
 * is using it. Invoke endpoints are few (one per region and tenancy shard); the bound only matters if requests name
 * many.
 */
final class InvokeClients implements AutoCloseable {
    private final Function<String, FunctionsInvokeClient> create;
    private final int max;
    /** Access-ordered; guarded by {@code this}. */
    private final LinkedHashMap<String, Lease> clients = new LinkedHashMap<>(16, 0.75f, true);

    InvokeClients(Function<String, FunctionsInvokeClient> create, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one invoke client is needed");
        }
        this.create = create;
        this.max = max;
    }

    /** Runs {@code call} with the client of {@code endpoint}. */
    <T> T with(String endpoint, Function<FunctionsInvokeClient, T> call) {
        Lease lease;
        synchronized (this) {
            lease = clients.get(endpoint);
            if (lease == null) {
                lease = new Lease(create.apply(endpoint));
                clients.put(endpoint, lease);
                retireEldest();
            }
            lease.users++;
        }
        try {
            return call.apply(lease.client);
        } finally {
            synchronized (this) {
                lease.users--;
                if (lease.retired && lease.users == 0) {
                    lease.client.close();
                }
            }
        }
    }

    private void retireEldest() {
        Iterator<Map.Entry<String, Lease>> eldest = clients.entrySet().iterator();
        while (clients.size() > max && eldest.hasNext()) {
            Lease lease = eldest.next().getValue();
            eldest.remove();
            lease.retired = true;
            if (lease.users == 0) {
                lease.client.close();
            }
        }
    }

    /** How many clients are open for use (for tests). */
    synchronized int size() {
        return clients.size();
    }

    @Override
    public synchronized void close() {
        clients.values().forEach(lease -> lease.client.close());
        clients.clear();
    }

    private static final class Lease {
        private final FunctionsInvokeClient client;
        private int users;
        private boolean retired;

        Lease(FunctionsInvokeClient client) {
            this.client = client;
        }
    }
}
