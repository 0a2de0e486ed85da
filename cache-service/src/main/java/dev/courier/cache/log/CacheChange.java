package dev.courier.cache.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.courier.common.cache.CacheChangeHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One write as it travels on {@code courier.cache.changes}: the record key is {@code namespace/key}, the value is the
 * stored bytes as they are (no encoding, so a 1 MB value fits a 1 MB record), and everything else is in headers.
 *
 * @param op what the write does
 * @param namespace the namespace
 * @param key the key
 * @param value the bytes to store, null for a delete
 * @param contentType the media type of the value
 * @param expiresAt when the value stops being readable, or null
 * @param ifMatch the write applies only if the current ETag is this, or null
 * @param ifNoneMatch the write applies only if the key has no (unexpired) value
 * @param requestId identifies the write so that the instance that appended it can report its decided outcome
 */
public record CacheChange(
        Op op,
        String namespace,
        String key,
        byte[] value,
        String contentType,
        Instant expiresAt,
        String ifMatch,
        boolean ifNoneMatch,
        String requestId) {

    private static final String OP = CacheChangeHeaders.OP;
    private static final String CONTENT_TYPE = CacheChangeHeaders.CONTENT_TYPE;
    private static final String EXPIRES_AT = CacheChangeHeaders.EXPIRES_AT;
    private static final String IF_MATCH = CacheChangeHeaders.IF_MATCH;
    private static final String IF_NONE_MATCH = CacheChangeHeaders.IF_NONE_MATCH;
    private static final String REQUEST_ID = CacheChangeHeaders.REQUEST_ID;

    /** What a change does. */
    public enum Op {
        PUT,
        DELETE,
        /**
         * A batch of invocation status documents for the status read model, each merged into the stored one; not a
         * write of the generic cache (its namespace and key name nothing stored).
         */
        STATUS
    }

    /** The record key: {@code namespace/key}. Namespaces cannot contain a slash; keys may. */
    public String recordKey() {
        return namespace + "/" + key;
    }

    /** This change as a record for {@code topic}, on {@code partition} (null: the one its key hashes to). */
    public ProducerRecord<String, byte[]> toRecord(String topic, Integer partition) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, partition, recordKey(), value);
        Headers headers = record.headers();
        put(headers, OP, op.name());
        put(headers, CONTENT_TYPE, contentType);
        put(headers, EXPIRES_AT, expiresAt == null ? null : expiresAt.toString());
        put(headers, IF_MATCH, ifMatch);
        put(headers, IF_NONE_MATCH, ifNoneMatch ? "*" : null);
        put(headers, REQUEST_ID, requestId);
        return record;
    }

    /** The change in {@code record}. */
    public static CacheChange from(ConsumerRecord<String, byte[]> record) {
        Headers headers = record.headers();
        String recordKey = record.key();
        int slash = recordKey.indexOf('/');
        String expiresAt = get(headers, EXPIRES_AT);
        return new CacheChange(
                Op.valueOf(get(headers, OP)),
                recordKey.substring(0, slash),
                recordKey.substring(slash + 1),
                record.value(),
                get(headers, CONTENT_TYPE),
                expiresAt == null ? null : Instant.parse(expiresAt),
                get(headers, IF_MATCH),
                get(headers, IF_NONE_MATCH) != null,
                get(headers, REQUEST_ID));
    }

    private static void put(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String get(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
