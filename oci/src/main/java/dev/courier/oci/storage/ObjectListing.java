package dev.courier.oci.storage;

import java.util.List;

/**
 * One page of names from {@link ObjectStore#list}.
 *
 * @param names the names, in order
 * @param nextStart where the next page starts (pass it as {@code start}), or null when this is the last page
 */
public record ObjectListing(List<String> names, String nextStart) {
    public ObjectListing {
        names = List.copyOf(names);
    }
}
