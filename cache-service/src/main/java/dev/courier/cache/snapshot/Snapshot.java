package dev.courier.cache.snapshot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import dev.courier.cache.store.CacheEntry;

/**
 * The state of one change-log partition at one position: every entry whose key lives in the partition, and the
 * offset to replay from. Start-up loads the newest snapshot of each partition and replays the log from
 * {@code nextOffset}.
 *
 * @param partition the change-log partition
 * @param nextOffset the first offset not reflected in the entries
 * @param createdAt when it was taken
 * @param entries namespace → key → entry
 */
public record Snapshot(
        int partition, long nextOffset, Instant createdAt, Map<String, Map<String, CacheEntry>> entries) {
    private static final int FORMAT = 1;

    /** The snapshot as bytes: a versioned binary format (values are stored as they are, no encoding). */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeInt(partition);
            out.writeLong(nextOffset);
            out.writeLong(createdAt.toEpochMilli());
            out.writeInt(entries.size());
            for (Map.Entry<String, Map<String, CacheEntry>> namespace : entries.entrySet()) {
                out.writeUTF(namespace.getKey());
                out.writeInt(namespace.getValue().size());
                for (Map.Entry<String, CacheEntry> entry : namespace.getValue().entrySet()) {
                    CacheEntry value = entry.getValue();
                    writeString(out, entry.getKey());
                    writeString(out, value.contentType());
                    out.writeUTF(value.etag());
                    out.writeLong(
                            value.expiresAt() == null ? -1 : value.expiresAt().toEpochMilli());
                    out.writeInt(value.value().length);
                    out.write(value.value());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a snapshot written by {@link #encode()}. */
    public static Snapshot decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("unknown snapshot format " + format);
            }
            int partition = in.readInt();
            long nextOffset = in.readLong();
            Instant createdAt = Instant.ofEpochMilli(in.readLong());
            Map<String, Map<String, CacheEntry>> entries = new TreeMap<>();
            int namespaces = in.readInt();
            for (int n = 0; n < namespaces; n++) {
                String namespace = in.readUTF();
                Map<String, CacheEntry> keys = new TreeMap<>();
                int count = in.readInt();
                for (int k = 0; k < count; k++) {
                    String key = readString(in);
                    String contentType = readString(in);
                    String etag = in.readUTF();
                    long expiresAt = in.readLong();
                    byte[] value = new byte[in.readInt()];
                    in.readFully(value);
                    keys.put(
                            key,
                            new CacheEntry(
                                    value,
                                    contentType,
                                    etag,
                                    expiresAt < 0 ? null : Instant.ofEpochMilli(expiresAt),
                                    partition));
                }
                entries.put(namespace, keys);
            }
            return new Snapshot(partition, nextOffset, createdAt, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable snapshot", e);
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
