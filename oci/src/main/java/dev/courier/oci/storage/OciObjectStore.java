package dev.courier.oci.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Supplier;

import com.oracle.bmc.model.BmcException;
import com.oracle.bmc.objectstorage.ObjectStorage;
import com.oracle.bmc.objectstorage.model.ObjectSummary;
import com.oracle.bmc.objectstorage.requests.DeleteObjectRequest;
import com.oracle.bmc.objectstorage.requests.GetNamespaceRequest;
import com.oracle.bmc.objectstorage.requests.GetObjectRequest;
import com.oracle.bmc.objectstorage.requests.HeadObjectRequest;
import com.oracle.bmc.objectstorage.requests.ListObjectsRequest;
import com.oracle.bmc.objectstorage.requests.PutObjectRequest;
import com.oracle.bmc.objectstorage.responses.GetObjectResponse;
import com.oracle.bmc.objectstorage.responses.ListObjectsResponse;
import com.oracle.bmc.util.StreamUtils;

/**
 * An {@link ObjectStore} on an OCI Object Storage bucket, through the OCI SDK: {@code PUT} with {@code if-none-match:
 * *} or {@code if-match: <etag>}, {@code GET}, {@code HEAD}, list by prefix and {@code DELETE} of
 * {@code /n/{namespace}/b/{bucket}/o/{name}}.
 *
 * <p>412 becomes a {@link PreconditionFailedException}, 404 an empty answer, any other failure an
 * {@link ObjectStoreException}. The client is expected to have the SDK's retries and circuit breaker off
 * ({@link ObjectStores} builds it so): each caller retries on its own terms.
 */
public final class OciObjectStore implements ObjectStore {
    private static final int PRECONDITION_FAILED = 412;
    private static final int NOT_FOUND = 404;

    private final ObjectStorage client;
    private final String bucket;
    private volatile String namespace;

    /**
     * A store on {@code bucket}; {@code namespace} is the tenancy's Object Storage namespace, or null to look it up
     * (once, on first use) with {@code GetNamespace}.
     */
    public OciObjectStore(ObjectStorage client, String namespace, String bucket) {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an Object Storage store needs a bucket");
        }
        this.client = client;
        this.namespace = namespace;
        this.bucket = bucket;
    }

    /** The namespace: configured, or looked up once. */
    public String namespace() {
        String known = namespace;
        if (known == null) {
            known = call("look up the Object Storage namespace", () -> client.getNamespace(
                            GetNamespaceRequest.builder().build())
                    .getValue());
            namespace = known;
        }
        return known;
    }

    @Override
    public String put(String name, byte[] content, Precondition precondition) {
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .namespaceName(namespace())
                .bucketName(bucket)
                .objectName(ObjectNames.checked(name))
                .contentType("application/octet-stream")
                .contentLength((long) content.length)
                // The SDK resends a body only from a stream it can duplicate.
                .putObjectBody(StreamUtils.createByteArrayInputStream(content));
        if (precondition instanceof Precondition.Absent) {
            request.ifNoneMatch("*");
        } else if (precondition instanceof Precondition.Matching matching) {
            request.ifMatch(matching.etag());
        }
        try {
            return client.putObject(request.build()).getETag();
        } catch (BmcException e) {
            if (e.getStatusCode() == PRECONDITION_FAILED) {
                throw new PreconditionFailedException(name, precondition);
            }
            throw failure("store " + name, e);
        }
    }

    @Override
    public Optional<StoredObject> get(String name) {
        GetObjectRequest request = GetObjectRequest.builder()
                .namespaceName(namespace())
                .bucketName(bucket)
                .objectName(ObjectNames.checked(name))
                .build();
        try {
            GetObjectResponse response = client.getObject(request);
            try (InputStream content = response.getInputStream()) {
                return Optional.of(new StoredObject(content.readAllBytes(), response.getETag()));
            }
        } catch (BmcException e) {
            if (e.getStatusCode() == NOT_FOUND) {
                return Optional.empty();
            }
            throw failure("read " + name, e);
        } catch (IOException e) {
            throw new ObjectStoreException("could not read " + name + " from bucket " + bucket, e);
        }
    }

    @Override
    public Optional<String> head(String name) {
        HeadObjectRequest request = HeadObjectRequest.builder()
                .namespaceName(namespace())
                .bucketName(bucket)
                .objectName(ObjectNames.checked(name))
                .build();
        try {
            return Optional.of(client.headObject(request).getETag());
        } catch (BmcException e) {
            if (e.getStatusCode() == NOT_FOUND) {
                return Optional.empty();
            }
            throw failure("read " + name, e);
        }
    }

    @Override
    public ObjectListing list(String prefix, String start, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        ListObjectsRequest.Builder request = ListObjectsRequest.builder()
                .namespaceName(namespace())
                .bucketName(bucket)
                .prefix(prefix)
                .limit(limit);
        if (start != null) {
            request.start(start);
        }
        ListObjectsResponse response = call("list " + prefix, () -> client.listObjects(request.build()));
        return new ObjectListing(
                response.getListObjects().getObjects().stream()
                        .map(ObjectSummary::getName)
                        .toList(),
                response.getListObjects().getNextStartWith());
    }

    @Override
    public boolean delete(String name) {
        DeleteObjectRequest request = DeleteObjectRequest.builder()
                .namespaceName(namespace())
                .bucketName(bucket)
                .objectName(ObjectNames.checked(name))
                .build();
        try {
            client.deleteObject(request);
            return true;
        } catch (BmcException e) {
            if (e.getStatusCode() == NOT_FOUND) {
                return false;
            }
            throw failure("delete " + name, e);
        }
    }

    /** Closes the SDK client. */
    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            throw new ObjectStoreException("could not close the Object Storage client", e);
        }
    }

    private <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (BmcException e) {
            throw failure(what, e);
        }
    }

    private ObjectStoreException failure(String what, BmcException e) {
        // The SDK's message names the service, status, code and opc-request-id; it never holds credentials.
        return new ObjectStoreException(
                "Object Storage could not " + what + " in bucket " + bucket + " (" + e.getStatusCode() + " "
                        + e.getServiceCode() + ", opc-request-id " + e.getOpcRequestId() + ")",
                e);
    }
}
