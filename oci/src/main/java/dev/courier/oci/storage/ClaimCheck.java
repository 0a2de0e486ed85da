package dev.courier.oci.storage;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.request.BodyReference;
import dev.courier.common.request.InvocationRequest;

/**
 * The claim check: a body too large for a Kafka record (OCI Streaming's limit is 1 MB) travels as an object in the
 * {@link ObjectStore}, and the record carries a {@link BodyReference} to it. The accepter checks a large request body
 * in ({@link #checkIn}); the listener claims it before each attempt ({@link #claim}) and releases it once the
 * invocation has ended ({@link #release}); a response kept for a callback goes the same way ({@link #store},
 * {@link #fetch}).
 *
 * <p>A body is stored when its text in the record (the JSON of {@code body}, or {@code bodyBase64}) is longer than the
 * threshold; what is stored is the JSON value ({@code json}) or the decoded bytes ({@code binary}), and the reference
 * names its SHA-256, which is checked whenever it is read back. Every store operation runs on the given executor,
 * never on the caller's thread.
 */
public final class ClaimCheck implements AutoCloseable {
    /** Object name prefix of request bodies: {@code bodies/<invocation id>}. */
    public static final String BODIES = "bodies/";

    /** Object name prefix of responses kept for a callback: {@code responses/<invocation id>}. */
    public static final String RESPONSES = "responses/";

    private final ObjectStore store;
    private final ObjectMapper mapper;
    private final int threshold;
    private final ExecutorService executor;

    /**
     * @param store where bodies are kept
     * @param mapper the service's JSON mapper (the one that writes records)
     * @param threshold bodies taking more bytes than this in a record are stored
     * @param executor where store operations run; {@link #close()} shuts it down
     */
    public ClaimCheck(ObjectStore store, ObjectMapper mapper, int threshold, ExecutorService executor) {
        this.store = store;
        this.mapper = mapper;
        this.threshold = threshold;
        this.executor = executor;
    }

    /** The claim check {@code config} describes, on {@code store}, with its own transfer threads. */
    public static ClaimCheck open(ObjectStore store, ObjectMapper mapper, ClaimCheckConfig config) {
        ExecutorService transfers = Executors.newFixedThreadPool(config.transfers(), runnable -> {
            Thread thread = new Thread(runnable, "courier-claim-check");
            thread.setDaemon(true);
            return thread;
        });
        return new ClaimCheck(store, mapper, config.threshold(), transfers);
    }

    /** Bodies taking more bytes than this in a record are stored. */
    public int threshold() {
        return threshold;
    }

    /**
     * {@code request} (which has its id) as it is to be recorded: its body stored as {@code bodies/<id>} and replaced
     * by a reference when it takes more than the threshold in the record, else unchanged. A body larger than
     * {@code maxBodyBytes} (stored form) is refused with a {@link BodyTooLargeException}; nothing is stored then.
     */
    public CompletionStage<InvocationRequest> checkIn(InvocationRequest request, long maxBodyBytes) {
        if (request.bodyRef() != null || request.body() == null && request.bodyBase64() == null) {
            return CompletableFuture.completedFuture(request);
        }
        if (request.bodyBase64() != null && request.bodyBase64().length() <= threshold) {
            return CompletableFuture.completedFuture(request);
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    String field = request.bodyBase64() != null ? "bodyBase64" : "body";
                    BodyReference.Format format;
                    byte[] content;
                    if (request.bodyBase64() != null) {
                        format = BodyReference.Format.BINARY;
                        content = Base64.getDecoder().decode(request.bodyBase64());
                    } else {
                        format = BodyReference.Format.JSON;
                        content = json(request.body());
                        if (content.length <= threshold) {
                            return request;
                        }
                    }
                    if (content.length > maxBodyBytes) {
                        throw new BodyTooLargeException(field, maxBodyBytes);
                    }
                    BodyReference reference = reference(BODIES + request.id(), content, format);
                    store.put(reference.object(), content, Precondition.ABSENT);
                    return request.withBody(null, null, reference);
                },
                executor);
    }

    /**
     * {@code request} with its stored body back in place, checked against its reference; {@code request} itself when
     * its body is not stored. Fails with a {@link StoredBodyException}.
     */
    public CompletionStage<InvocationRequest> claim(InvocationRequest request) {
        BodyReference reference = request.bodyRef();
        if (reference == null) {
            return CompletableFuture.completedFuture(request);
        }
        return fetch(reference).thenApply(content -> {
            if (reference.format() == BodyReference.Format.BINARY) {
                return request.withBody(null, Base64.getEncoder().encodeToString(content), null);
            }
            try {
                return request.withBody(mapper.readTree(content), null, null);
            } catch (IOException e) {
                throw new StoredBodyException("the stored body " + reference.object() + " is not JSON", false, e);
            }
        });
    }

    /** Stores {@code content} as {@code name} (replacing what is there) and answers the reference to it. */
    public CompletionStage<BodyReference> store(String name, byte[] content, BodyReference.Format format) {
        return CompletableFuture.supplyAsync(
                () -> {
                    BodyReference reference = reference(name, content, format);
                    store.put(name, content, Precondition.NONE);
                    return reference;
                },
                executor);
    }

    /**
     * The bytes {@code reference} names, checked against its size and SHA-256. Fails with a
     * {@link StoredBodyException}: lasting when the object is gone or does not match, retryable when the store
     * failed.
     */
    public CompletionStage<byte[]> fetch(BodyReference reference) {
        return CompletableFuture.supplyAsync(
                () -> {
                    StoredObject object;
                    try {
                        object = store.get(reference.object())
                                .orElseThrow(() -> new StoredBodyException(
                                        "the stored body " + reference.object()
                                                + " is gone (deleted after its invocation ended, or never stored)",
                                        false,
                                        null));
                    } catch (ObjectStoreException e) {
                        throw new StoredBodyException(
                                "the stored body " + reference.object() + " could not be read: " + e.getMessage(),
                                true,
                                e);
                    }
                    byte[] content = object.content();
                    if (content.length != reference.size() || !sha256(content).equals(reference.sha256())) {
                        throw new StoredBodyException(
                                "the stored body " + reference.object() + " does not match its size and SHA-256",
                                false,
                                null);
                    }
                    return content;
                },
                executor);
    }

    /** Deletes the object {@code reference} names; completes with whether there was one. */
    public CompletionStage<Boolean> release(BodyReference reference) {
        return CompletableFuture.supplyAsync(() -> store.delete(reference.object()), executor);
    }

    /** Stops the transfer threads; transfers in progress are interrupted. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    private static BodyReference reference(String name, byte[] content, BodyReference.Format format) {
        return new BodyReference(name, sha256(content), (long) content.length, format);
    }

    private byte[] json(JsonNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body cannot be written as JSON", e);
        }
    }

    /** Lowercase hex SHA-256 of {@code content}. */
    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A body over the largest one accepted. */
    public static final class BodyTooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final String field;
        private final long limit;

        BodyTooLargeException(String field, long limit) {
            super(field + " is larger than " + limit + " bytes", null, false, false);
            this.field = field;
            this.limit = limit;
        }

        /** The request field that holds the body: {@code body} or {@code bodyBase64}. */
        public String field() {
            return field;
        }

        /** The largest body accepted, in bytes. */
        public long limit() {
            return limit;
        }
    }

    /** A stored body that cannot be had. */
    public static final class StoredBodyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final boolean retryable;

        StoredBodyException(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        /** Whether asking again may help: the store failed, rather than the object being gone or wrong. */
        public boolean retryable() {
            return retryable;
        }
    }
}
