package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import dev.courier.cache.store.CacheEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The snapshot format: what {@link Snapshot#encode()} writes, {@link Snapshot#decode} reads back whole. */
class SnapshotTest {

    @Test
    void everyEntryOfEveryNamespaceComesBackAsItWasWritten() {
        Instant expiry = Instant.parse("2026-12-31T00:00:00Z");
        Map<String, Map<String, CacheEntry>> entries = new TreeMap<>();
        entries.put(
                "courier-status",
                Map.of(
                        "01JBENCH0000000000000000ID",
                        entry("{\"status\":\"SUCCEEDED\"}", "application/json", "2-17", expiry)));
        entries.put(
                "names",
                Map.of(
                        "clé/ünïcode/日本", entry("valeur", "text/plain; charset=utf-8", "2-3", null),
                        "no-type", entry("", null, "2-4", null),
                        "binary",
                                new CacheEntry(
                                        new byte[] {0, -1, 127, -128}, "application/octet-stream", "2-5", null, 2)));
        entries.put("empty", Map.of());
        Snapshot written = new Snapshot(2, 18, Instant.ofEpochMilli(1_764_600_000_123L), entries);

        Snapshot read = Snapshot.decode(written.encode());

        assertThat(read.partition()).isEqualTo(2);
        assertThat(read.nextOffset()).isEqualTo(18);
        assertThat(read.createdAt()).isEqualTo(written.createdAt());
        assertThat(read.entries().keySet()).containsExactly("courier-status", "empty", "names");
        assertThat(read.entries().get("empty")).isEmpty();
        entries.forEach((namespace, keys) -> keys.forEach((key, entry) -> {
            CacheEntry back = read.entries().get(namespace).get(key);
            assertThat(back).as("%s/%s", namespace, key).isNotNull();
            assertThat(back.value()).isEqualTo(entry.value());
            assertThat(back.contentType()).isEqualTo(entry.contentType());
            assertThat(back.etag()).isEqualTo(entry.etag());
            assertThat(back.expiresAt()).isEqualTo(entry.expiresAt());
            assertThat(back.partition()).isEqualTo(2);
        }));
    }

    @Test
    void anEmptyPartitionIsAHeaderAlone() {
        Snapshot empty = new Snapshot(0, 0, Instant.ofEpochMilli(0), Map.of());

        byte[] bytes = empty.encode();

        // format, partition, offset, time, namespace count: the 28-byte snapshot of a partition with nothing in it.
        assertThat(bytes).hasSize(28);
        assertThat(Snapshot.decode(bytes).entries()).isEmpty();
    }

    private static CacheEntry entry(String value, String contentType, String etag, Instant expiresAt) {
        return new CacheEntry(value.getBytes(StandardCharsets.UTF_8), contentType, etag, expiresAt, 2);
    }
}
