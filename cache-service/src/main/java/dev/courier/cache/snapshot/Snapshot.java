package dev.courier.cache.snapshot;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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

    /**
     * The snapshot as bytes: a versioned binary format (values are stored as they are, no encoding).
     *
     * <p>The bytes are written into one array of exactly their size, computed first: a snapshot is taken while the
     * whole cache is in memory, and a growing buffer would need up to three times the snapshot's size at its peak (the
     * old array, the doubled one, and the final copy), which is what ran a 256 MiB writer out of heap.
     */
    public byte[] encode() {
        ExactBytes bytes = new ExactBytes(encodedSize());
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
        return bytes.full();
    }

    /** The length of what {@link #encode()} writes. */
    private int encodedSize() {
        long size = 4 + 4 + 8 + 8 + 4;
        for (Map.Entry<String, Map<String, CacheEntry>> namespace : entries.entrySet()) {
            size += 2 + modifiedUtf8Length(namespace.getKey()) + 4;
            for (Map.Entry<String, CacheEntry> entry : namespace.getValue().entrySet()) {
                CacheEntry value = entry.getValue();
                size += 4 + utf8Length(entry.getKey());
                size += 4 + utf8Length(value.contentType());
                size += 2 + modifiedUtf8Length(value.etag());
                size += 8 + 4 + value.value().length;
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("partition " + partition + " is too large for one snapshot: " + size);
        }
        return (int) size;
    }

    private static int utf8Length(String value) {
        return value == null ? 0 : value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The length of {@code value} in {@link DataOutputStream#writeUTF}'s modified UTF-8, without its 2-byte prefix. */
    private static int modifiedUtf8Length(String value) {
        int length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            length += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
        }
        return length;
    }

    /** An output stream into an array of exactly the size that will be written; {@link #full()} hands the array over. */
    private static final class ExactBytes extends OutputStream {
        private final byte[] bytes;
        private int written;

        ExactBytes(int size) {
            this.bytes = new byte[size];
        }

        @Override
        public void write(int b) {
            bytes[written++] = (byte) b;
        }

        @Override
        public void write(byte[] source, int offset, int length) {
            System.arraycopy(source, offset, bytes, written, length);
            written += length;
        }

        byte[] full() {
            if (written != bytes.length) {
                throw new IllegalStateException("snapshot size computed as " + bytes.length + ", written " + written);
            }
            return bytes;
        }
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
