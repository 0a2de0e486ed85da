package dev.courier.listener.oci;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.oracle.bmc.ClientConfiguration;
import com.oracle.bmc.Region;
import com.oracle.bmc.auth.BasicAuthenticationDetailsProvider;
import com.oracle.bmc.functions.FunctionsInvokeClient;
import com.oracle.bmc.functions.FunctionsManagementClient;
import com.oracle.bmc.functions.requests.GetFunctionRequest;
import com.oracle.bmc.functions.requests.InvokeFunctionRequest;
import com.oracle.bmc.functions.responses.InvokeFunctionResponse;
import com.oracle.bmc.http.client.RequestInterceptor;
import com.oracle.bmc.http.client.jersey3.ApacheClientProperties;
import com.oracle.bmc.http.client.jersey3.ClientBuilderDecorator;
import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.dispatch.EgressPolicy;
import dev.courier.oci.SdkClientConfiguration;
import dev.courier.oci.auth.OciAuthProviders;
import dev.courier.oci.auth.OciAuthSettings;
import io.quarkus.runtime.Startup;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.jboss.logging.Logger;

/**
 * The listener's OCI Functions clients, built at start-up from {@code courier.listener.oci.*}.
 *
 * <p>Decision: without {@code courier.listener.oci.auth.type} there is no OCI access and the listener starts as
 * usual; function targets then end {@code Rejected} with {@code UnsupportedTarget} ({@link #enabled()} is false). With
 * a type, the identity is built and checked here, at start-up, so that a missing or wrong setting stops the listener
 * with a message naming it rather than failing the first function call.
 *
 * <p>SDK retries and the SDK circuit breaker are off ({@link SdkClientConfiguration}): Courier retries through its
 * delay tiers and keeps its own breaker per function.
 *
 * <p>Invoke clients connect only to addresses the {@link EgressPolicy} allows when the connection is opened: their
 * connection pool resolves names through it ({@link EgressDnsResolver}). The management client's endpoint is the
 * operator's configuration, not a request's, and is not checked.
 */
@ApplicationScoped
@Startup
public class OciFunctions {
    private static final Logger LOG = Logger.getLogger(OciFunctions.class);
    private static final String AUTH_PREFIX = "courier.listener.oci.auth";
    /** The longest per-attempt timeout a request may ask for (SPEC: {@code timeoutSeconds} 1..3600). */
    private static final Duration LONGEST_ATTEMPT = Duration.ofHours(1);
    /** Connections per invoke client, in all and per route: the SDK's own default, kept. */
    private static final int INVOKE_CONNECTIONS = 50;

    private final FunctionsManagementClient management;
    private final InvokeClients invokeClients;
    private final InvokeEndpoints invokeEndpoints;

    @Inject
    public OciFunctions(ListenerConfig config, EgressPolicy egress) {
        ListenerConfig.Oci oci = config.oci();
        if (oci.auth().type().isEmpty()) {
            LOG.infof("%s.type is not set: no OCI access, function targets will be rejected", AUTH_PREFIX);
            management = null;
            invokeClients = null;
            invokeEndpoints = null;
            return;
        }
        OciAuthProviders providers = new OciAuthProviders(AUTH_PREFIX);
        OciAuthSettings settings = oci.auth().settings().orElseThrow();
        BasicAuthenticationDetailsProvider identity = providers.create(settings);
        Duration connectTimeout = config.dispatch().connectTimeout();

        FunctionsManagementClient.Builder managementBuilder = FunctionsManagementClient.builder()
                .configuration(SdkClientConfiguration.of(connectTimeout, oci.managementTimeout()));
        Optional<Region> region = providers.region(identity, settings);
        if (oci.functionsEndpoint().isPresent()) {
            managementBuilder.endpoint(oci.functionsEndpoint().get().toString());
        } else if (region.isPresent()) {
            managementBuilder.region(region.get());
        } else {
            throw new IllegalStateException(
                    "courier.listener.oci.functions-endpoint: needed to resolve invoke endpoints,"
                            + " because the OCI identity has no region (or set " + AUTH_PREFIX + ".region)");
        }
        management = managementBuilder.build(identity);

        ClientConfiguration invokeConfiguration = SdkClientConfiguration.of(connectTimeout, LONGEST_ATTEMPT);
        invokeClients = new InvokeClients(
                endpoint -> FunctionsInvokeClient.builder()
                        .configuration(invokeConfiguration)
                        .additionalClientConfigurator(builder -> builder.property(
                                        ClientBuilderDecorator.PROPERTY, clientBuilder -> clientBuilder
                                                .register(new AttemptTimeout())
                                                .build())
                                .property(ApacheClientProperties.CONNECTION_MANAGER, connections(egress)))
                        .endpoint(endpoint)
                        .build(identity),
                oci.maxInvokeClients());
        invokeEndpoints = new InvokeEndpoints(
                functionId -> management
                        .getFunction(GetFunctionRequest.builder()
                                .functionId(functionId)
                                .build())
                        .getFunction()
                        .getInvokeEndpoint(),
                oci.invokeEndpointCacheSize(),
                oci.invokeEndpointTtl(),
                Clock.systemUTC());
        // The identity's key id is not logged: for principals it is a session token.
        LOG.infof(
                "OCI access through %s; invoke endpoints resolved at %s",
                settings.type().configName(),
                oci.functionsEndpoint().map(Object::toString).orElseGet(() -> region.get()
                        .getRegionId()));
    }

    /**
     * A connection pool like the SDK's default one (plain and TLS sockets with the JVM's trust and host name
     * verification, {@value #INVOKE_CONNECTIONS} connections), whose names are resolved through {@code egress}.
     * Each invoke client gets its own; closing the client closes it.
     */
    private static PoolingHttpClientConnectionManager connections(EgressPolicy egress) {
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(
                RegistryBuilder.<ConnectionSocketFactory>create()
                        .register("http", PlainConnectionSocketFactory.getSocketFactory())
                        .register("https", SSLConnectionSocketFactory.getSocketFactory())
                        .build(),
                null,
                null,
                new EgressDnsResolver(egress),
                -1,
                TimeUnit.MILLISECONDS);
        connections.setMaxTotal(INVOKE_CONNECTIONS);
        connections.setDefaultMaxPerRoute(INVOKE_CONNECTIONS);
        return connections;
    }

    /** Whether function targets can be called: an OCI identity is configured. */
    public boolean enabled() {
        return management != null;
    }

    /**
     * The function's invoke endpoint, from the cache or through {@code GetFunction}. Blocks; throws the SDK's
     * {@code BmcException} when the look-up fails.
     */
    public String invokeEndpoint(String functionId) {
        return invokeEndpoints.resolve(functionId);
    }

    /**
     * Invokes a function at {@code invokeEndpoint}, with {@code headers} added to the call and {@code timeout} as its
     * read timeout. Blocks; throws the SDK's {@code BmcException} for an OCI error, a timeout or a connection failure.
     */
    public InvokeFunctionResponse invoke(
            String invokeEndpoint, InvokeFunctionRequest.Builder call, Map<String, String> headers, Duration timeout) {
        RequestInterceptor timed = AttemptTimeout.mark(timeout);
        InvokeFunctionRequest request = call.invocationCallback(http -> {
                    // Runs before the request is signed. Replaces, not adds: the SDK sets its own Content-Type, and
                    // signing refuses two.
                    headers.forEach((name, value) -> {
                        http.headers().keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
                        http.header(name, value);
                    });
                    timed.intercept(http);
                })
                .build();
        return invokeClients.with(invokeEndpoint, client -> client.invokeFunction(request));
    }

    @PreDestroy
    void close() {
        if (management != null) {
            management.close();
            invokeClients.close();
        }
    }
}
