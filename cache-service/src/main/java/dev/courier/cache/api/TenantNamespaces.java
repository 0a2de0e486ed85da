package dev.courier.cache.api;

import dev.courier.common.cache.CacheNamespaces;
import dev.courier.security.AccessDenied;
import dev.courier.security.Caller;

/**
 * The namespace a caller names, as it is stored: a tenant's namespaces are its own. For a tenant other than the
 * default, {@code orders} is stored as {@code <tenant>~orders}; the default tenant's are stored under their own names,
 * as they were before tenants existed. No caller can name a stored {@code ~} namespace ({@link CacheResource#NAMESPACE}
 * has no {@code ~}), so no tenant reaches another's. Courier's own namespaces ({@code courier.*}) are for its service
 * identity only: a tenant may neither read nor write them (they hold every tenant's idempotency keys,
 * cancellations and lanes).
 */
final class TenantNamespaces {
    private TenantNamespaces() {}

    /**
     * The stored name of {@code namespace} (already checked against {@link CacheResource#NAMESPACE}) for
     * {@code caller}.
     *
     * @throws AccessDenied 403 for a tenant naming one of Courier's own namespaces
     */
    static String stored(Caller caller, String namespace, String defaultTenant) {
        if (caller.isService()) {
            return namespace;
        }
        if (CacheNamespaces.isInternal(namespace)) {
            throw AccessDenied.forbidden("namespace " + namespace + " is Courier's own ("
                    + CacheNamespaces.INTERNAL_PREFIX + "*): only Courier's services read and write it");
        }
        return caller.tenant().equals(defaultTenant)
                ? namespace
                : caller.tenant() + CacheNamespaces.TENANT_SEPARATOR + namespace;
    }
}
