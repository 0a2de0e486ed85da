package dev.courier.oci;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.oracle.bmc.ClientConfiguration;
import com.oracle.bmc.auth.BasicAuthenticationDetailsProvider;
import com.oracle.bmc.functions.FunctionsInvokeClient;
import com.oracle.bmc.functions.FunctionsManagementClient;
import com.oracle.bmc.functions.requests.GetFunctionRequest;
import com.oracle.bmc.functions.requests.InvokeFunctionRequest;
import com.oracle.bmc.functions.responses.InvokeFunctionResponse;
import com.oracle.bmc.model.BmcException;
import com.oracle.bmc.objectstorage.ObjectStorageClient;
import com.oracle.bmc.objectstorage.model.ObjectSummary;
import com.oracle.bmc.objectstorage.requests.DeleteObjectRequest;
import com.oracle.bmc.objectstorage.requests.GetNamespaceRequest;
import com.oracle.bmc.objectstorage.requests.GetObjectRequest;
import com.oracle.bmc.objectstorage.requests.HeadObjectRequest;
import com.oracle.bmc.objectstorage.requests.ListObjectsRequest;
import com.oracle.bmc.objectstorage.requests.PutObjectRequest;
import com.oracle.bmc.objectstorage.responses.GetObjectResponse;
import com.oracle.bmc.objectstorage.responses.HeadObjectResponse;
import com.oracle.bmc.objectstorage.responses.ListObjectsResponse;
import com.oracle.bmc.objectstorage.responses.PutObjectResponse;
import com.oracle.bmc.util.StreamUtils;
import dev.courier.oci.auth.OciAuthProviders;
import dev.courier.oci.auth.OciAuthSettings;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.FakeOciServer.FunctionInvocation;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real SDK clients, authenticated by {@link OciAuthProviders} with a key generated here, against
 * {@link FakeOciServer}: the fake verifies every signature, and the SDK accepts every answer.
 */
class FakeOciServerTest {
    private static final String FUNCTION = "ocid1.fnfunc.oc1.iad.aaaafaketest";
    private static final ClientConfiguration NO_RETRIES =
            SdkClientConfiguration.of(Duration.ofSeconds(5), Duration.ofSeconds(30));

    private final TestApiKey key = TestApiKey.generate();
    private FakeOciServer oci;
    private FunctionsInvokeClient invoke;
    private FunctionsManagementClient management;
    private ObjectStorageClient storage;

    @BeforeEach
    void start() {
        oci = FakeOciServer.start();
        key.trustedBy(oci);
        BasicAuthenticationDetailsProvider provider = provider(key);
        invoke = FunctionsInvokeClient.builder()
                .configuration(NO_RETRIES)
                .endpoint(oci.endpoint())
                .build(provider);
        management = FunctionsManagementClient.builder()
                .configuration(NO_RETRIES)
                .endpoint(oci.endpoint())
                .build(provider);
        storage = ObjectStorageClient.builder()
                .configuration(NO_RETRIES)
                .endpoint(oci.endpoint())
                .build(provider);
    }

    @AfterEach
    void stop() {
        invoke.close();
        management.close();
        storage.close();
        oci.close();
    }

    @Test
    void syncInvocationAnswersTheFunctionsReply() throws IOException {
        oci.replyTo(FUNCTION, Reply.json(200, "{\"total\":42}").withHeader("X-Fn-Answer", "yes"));

        InvokeFunctionResponse response = invoke.invokeFunction(InvokeFunctionRequest.builder()
                .functionId(FUNCTION)
                .fnInvokeType(InvokeFunctionRequest.FnInvokeType.Sync)
                .fnIntent(InvokeFunctionRequest.FnIntent.Httprequest)
                .opcRequestId("conv-7")
                .invokeFunctionBody(
                        StreamUtils.createByteArrayInputStream("{\"n\":1}".getBytes(StandardCharsets.UTF_8)))
                .build());

        assertThat(response.get__httpStatusCode__()).isEqualTo(200);
        assertThat(read(response.getInputStream())).isEqualTo("{\"total\":42}");
        assertThat(response.getHeaders().get("x-fn-answer")).containsExactly("yes");
        assertThat(response.getOpcRequestId()).isEqualTo("conv-7");
        FunctionInvocation received =
                oci.awaitInvocations(FUNCTION, 1, Duration.ofSeconds(5)).get(0);
        assertThat(received.bodyText()).isEqualTo("{\"n\":1}");
        assertThat(received.invokeType()).isEqualTo("sync");
        assertThat(received.intent()).isEqualTo("httprequest");
        assertThat(received.opcRequestId()).isEqualTo("conv-7");
        assertThat(oci.rejections()).isEmpty();
    }

    @Test
    void detachedInvocationIsAccepted() {
        oci.registerFunction(FUNCTION);

        InvokeFunctionResponse response = invoke.invokeFunction(InvokeFunctionRequest.builder()
                .functionId(FUNCTION)
                .fnInvokeType(InvokeFunctionRequest.FnInvokeType.Detached)
                .invokeFunctionBody(StreamUtils.createByteArrayInputStream(new byte[] {1, 2, 3}))
                .build());

        assertThat(response.get__httpStatusCode__()).isEqualTo(202);
        assertThat(oci.invocations(FUNCTION)).singleElement().satisfies(invocation -> {
            assertThat(invocation.invokeType()).isEqualTo("detached");
            assertThat(invocation.body()).containsExactly(1, 2, 3);
        });
    }

    @Test
    void anOciErrorReachesTheSdkAsABmcException() {
        oci.replyTo(FUNCTION, FakeOciServer.ociError(502, "FunctionInvokeExecutionFailed", "function failed"));

        assertThatThrownBy(() -> invoke.invokeFunction(InvokeFunctionRequest.builder()
                        .functionId(FUNCTION)
                        .invokeFunctionBody(StreamUtils.createByteArrayInputStream(new byte[0]))
                        .build()))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(502);
                    assertThat(e.getServiceCode()).isEqualTo("FunctionInvokeExecutionFailed");
                    assertThat(e.getUnmodifiedMessage()).isEqualTo("function failed");
                });
        assertThat(oci.invocations(FUNCTION)).hasSize(1);
    }

    @Test
    void getFunctionAnswersTheInvokeEndpoint() {
        oci.registerFunction(FUNCTION);

        var function = management
                .getFunction(GetFunctionRequest.builder().functionId(FUNCTION).build())
                .getFunction();

        assertThat(function.getId()).isEqualTo(FUNCTION);
        assertThat(function.getInvokeEndpoint()).isEqualTo(oci.endpoint());
        assertThat(oci.getFunctionCalls(FUNCTION)).isEqualTo(1);
        assertThatThrownBy(() -> management.getFunction(GetFunctionRequest.builder()
                        .functionId("ocid1.fnfunc.oc1..unknown")
                        .build()))
                .isInstanceOfSatisfying(
                        BmcException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
    }

    @Test
    void objectStorageRoundTrip() throws IOException {
        oci.createBucket("snapshots");
        String ns = storage.getNamespace(GetNamespaceRequest.builder().build()).getValue();
        assertThat(ns).isEqualTo(oci.namespace());

        PutObjectResponse created = storage.putObject(
                put(ns, "cache/p-0/000001.snap", "one").ifNoneMatch("*").build());
        assertThat(created.getETag()).isNotBlank();
        assertThatThrownBy(() -> storage.putObject(put(ns, "cache/p-0/000001.snap", "again")
                        .ifNoneMatch("*")
                        .build()))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(412);
                    assertThat(e.getServiceCode()).isEqualTo("IfNoneMatchFailed");
                });
        assertThatThrownBy(() -> storage.putObject(put(ns, "cache/p-0/000001.snap", "again")
                        .ifMatch("stale")
                        .build()))
                .isInstanceOfSatisfying(
                        BmcException.class, e -> assertThat(e.getStatusCode()).isEqualTo(412));
        PutObjectResponse replaced = storage.putObject(put(ns, "cache/p-0/000001.snap", "two")
                .ifMatch(created.getETag())
                .build());
        assertThat(replaced.getETag()).isNotEqualTo(created.getETag());

        GetObjectResponse got =
                storage.getObject(get(ns, "cache/p-0/000001.snap").build());
        assertThat(read(got.getInputStream())).isEqualTo("two");
        assertThat(got.getETag()).isEqualTo(replaced.getETag());
        assertThat(got.getContentLength()).isEqualTo(3L);
        assertThat(got.getOpcMeta()).containsEntry("writer", "test");

        GetObjectResponse unchanged = storage.getObject(
                get(ns, "cache/p-0/000001.snap").ifNoneMatch(replaced.getETag()).build());
        assertThat(unchanged.isNotModified()).isTrue();

        HeadObjectResponse head = storage.headObject(HeadObjectRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .objectName("cache/p-0/000001.snap")
                .build());
        assertThat(head.getETag()).isEqualTo(replaced.getETag());
        assertThat(head.getContentLength()).isEqualTo(3L);
        HeadObjectResponse headUnchanged = storage.headObject(HeadObjectRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .objectName("cache/p-0/000001.snap")
                .ifNoneMatch(replaced.getETag())
                .build());
        assertThat(headUnchanged.isNotModified()).isTrue();

        assertThatThrownBy(() -> storage.deleteObject(
                        delete(ns, "cache/p-0/000001.snap").ifMatch("stale").build()))
                .isInstanceOfSatisfying(
                        BmcException.class, e -> assertThat(e.getStatusCode()).isEqualTo(412));
        storage.deleteObject(
                delete(ns, "cache/p-0/000001.snap").ifMatch(replaced.getETag()).build());
        assertThatThrownBy(
                        () -> storage.getObject(get(ns, "cache/p-0/000001.snap").build()))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getServiceCode()).isEqualTo("ObjectNotFound");
                });
        assertThatThrownBy(() -> storage.headObject(HeadObjectRequest.builder()
                        .namespaceName(ns)
                        .bucketName("snapshots")
                        .objectName("cache/p-0/000001.snap")
                        .build()))
                .isInstanceOfSatisfying(
                        BmcException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
        assertThatThrownBy(() -> storage.getObject(GetObjectRequest.builder()
                        .namespaceName(ns)
                        .bucketName("no-such-bucket")
                        .objectName("x")
                        .build()))
                .isInstanceOfSatisfying(BmcException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getServiceCode()).isEqualTo("BucketNotFound");
                });
        assertThat(oci.rejections()).isEmpty();
    }

    @Test
    void listingPagesThroughAPrefixInNameOrder() {
        oci.createBucket("snapshots");
        String ns = oci.namespace();
        for (String name : List.of("a/3", "a/1", "b/1", "a/2", "a/4 with space")) {
            storage.putObject(put(ns, name, name).build());
        }

        ListObjectsResponse first =
                storage.listObjects(list(ns).prefix("a/").limit(2).build());
        assertThat(first.getListObjects().getObjects())
                .extracting(ObjectSummary::getName)
                .containsExactly("a/1", "a/2");
        assertThat(first.getListObjects().getNextStartWith()).isEqualTo("a/3");
        ListObjectsResponse second = storage.listObjects(list(ns).prefix("a/")
                .start(first.getListObjects().getNextStartWith())
                .limit(2)
                .build());
        assertThat(second.getListObjects().getObjects())
                .extracting(ObjectSummary::getName)
                .containsExactly("a/3", "a/4 with space");
        assertThat(second.getListObjects().getNextStartWith()).isNull();
        ObjectSummary summary = second.getListObjects().getObjects().get(1);
        assertThat(summary.getSize()).isEqualTo(14L);
        assertThat(summary.getEtag())
                .isEqualTo(oci.objects("snapshots").get("a/4 with space").etag());
        assertThat(summary.getMd5())
                .isEqualTo(oci.objects("snapshots").get("a/4 with space").md5());
        assertThat(summary.getTimeCreated()).isNotNull();
    }

    @Test
    void aClientSignedWithAnotherKeyIsRefused() {
        // Same tenancy, user and fingerprint claim, but a different private key: only the signature gives it away.
        TestApiKey impostor =
                new TestApiKey(key.tenancy(), key.user(), TestApiKey.generate().keyPair());
        BasicAuthenticationDetailsProvider provider = new OciAuthProviders("test")
                .create(OciAuthSettings.simple(
                        key.tenancy(), key.user(), impostor.fingerprint(), "us-ashburn-1", impostor.privateKeyPem()));
        oci.trust(impostor.keyId(), key.publicKey());
        try (FunctionsInvokeClient client = FunctionsInvokeClient.builder()
                .configuration(NO_RETRIES)
                .endpoint(oci.endpoint())
                .build(provider)) {

            assertThatThrownBy(() -> client.invokeFunction(InvokeFunctionRequest.builder()
                            .functionId(FUNCTION)
                            .invokeFunctionBody(StreamUtils.createByteArrayInputStream(new byte[] {1}))
                            .build()))
                    .isInstanceOfSatisfying(BmcException.class, e -> {
                        assertThat(e.getStatusCode()).isEqualTo(401);
                        assertThat(e.getServiceCode()).isEqualTo("NotAuthenticated");
                    });
        }
        assertThat(oci.invocations(FUNCTION)).isEmpty();
        assertThat(oci.rejections()).singleElement().satisfies(rejection -> {
            assertThat(rejection.method()).isEqualTo("POST");
            assertThat(rejection.reason()).startsWith("signature does not verify");
        });
    }

    @Test
    void anUnknownKeyIdIsRefused() {
        TestApiKey stranger = TestApiKey.generate("ocid1.tenancy.oc1..stranger", "ocid1.user.oc1..stranger");
        try (ObjectStorageClient client = ObjectStorageClient.builder()
                .configuration(NO_RETRIES)
                .endpoint(oci.endpoint())
                .build(provider(stranger))) {

            assertThatThrownBy(() ->
                            client.getNamespace(GetNamespaceRequest.builder().build()))
                    .isInstanceOfSatisfying(BmcException.class, e -> assertThat(e.getStatusCode())
                            .isEqualTo(401));
        }
        assertThat(oci.namespaceCalls()).isZero();
        assertThat(oci.rejections()).singleElement().satisfies(rejection -> assertThat(rejection.reason())
                .startsWith("unknown keyId " + stranger.keyId()));
    }

    @Test
    void anUnsignedRequestIsRefusedWithAnOciError() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(oci.endpoint() + "/n/"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body()).contains("\"code\":\"NotAuthenticated\"");
        assertThat(oci.rejections()).singleElement().satisfies(rejection -> assertThat(rejection.reason())
                .isEqualTo("no Authorization: Signature header"));
    }

    private static BasicAuthenticationDetailsProvider provider(TestApiKey key) {
        return new OciAuthProviders("test")
                .create(OciAuthSettings.simple(
                        key.tenancy(), key.user(), key.fingerprint(), "us-ashburn-1", key.privateKeyPem()));
    }

    private static PutObjectRequest.Builder put(String ns, String name, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return PutObjectRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .objectName(name)
                .contentLength((long) bytes.length)
                .contentType("text/plain")
                .opcMeta(Map.of("writer", "test"))
                .putObjectBody(StreamUtils.createByteArrayInputStream(bytes));
    }

    private static GetObjectRequest.Builder get(String ns, String name) {
        return GetObjectRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .objectName(name);
    }

    private static DeleteObjectRequest.Builder delete(String ns, String name) {
        return DeleteObjectRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .objectName(name);
    }

    private static ListObjectsRequest.Builder list(String ns) {
        return ListObjectsRequest.builder()
                .namespaceName(ns)
                .bucketName("snapshots")
                .fields("name,size,etag,md5,timeCreated");
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
