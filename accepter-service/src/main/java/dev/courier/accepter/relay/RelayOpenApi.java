package dev.courier.accepter.relay;

import java.util.List;
import java.util.Map;

import dev.courier.accepter.wait.WaitPreference;
import dev.courier.common.http.CourierHeaders;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;

/**
 * Documents the relay's control headers on every relay operation of the OpenAPI document. They are not method
 * parameters ({@link RelayRequests} reads them from the headers, and refuses unknown ones), and MicroProfile OpenAPI
 * has no way to declare header parameters once for several methods; this filter does it at build time.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class RelayOpenApi implements OASFilter {

    /** The control headers, each with its type and meaning, in the order the README gives them. */
    private static final List<Header> HEADERS = List.of(
            new Header(
                    CourierHeaders.DELIVER_AT,
                    Schema.SchemaType.STRING,
                    "date-time",
                    "Never deliver before this RFC 3339 instant (deliverAt), at most 30 days ahead"),
            new Header(
                    CourierHeaders.CALLBACK,
                    Schema.SchemaType.STRING,
                    "uri",
                    "Where the target's response is forwarded (callback.url)"),
            new Header(
                    CourierHeaders.CORRELATION_ID,
                    Schema.SchemaType.STRING,
                    null,
                    "Conversation id (correlationId); else opc-request-id or traceparent"),
            new Header(
                    CourierHeaders.TIMEOUT,
                    Schema.SchemaType.INTEGER,
                    null,
                    "Per-attempt timeout in seconds, 1 to 3600 (timeoutSeconds)"),
            new Header(
                    CourierHeaders.MAX_ATTEMPTS,
                    Schema.SchemaType.INTEGER,
                    null,
                    "Attempts in all (retry.maxAttempts), within the listener's limit"),
            new Header(
                    CourierHeaders.ORDERING_KEY,
                    Schema.SchemaType.STRING,
                    null,
                    "Requests with the same key are delivered one at a time, in order (orderingKey)"),
            new Header(
                    CourierHeaders.IDEMPOTENCY_KEY,
                    Schema.SchemaType.STRING,
                    null,
                    "Same key within the idempotency window means the same invocation (idempotencyKey)"),
            new Header(
                    WaitPreference.PREFER,
                    Schema.SchemaType.STRING,
                    null,
                    "wait=N: answer 200 with the target's response if the invocation ends within N seconds;"
                            + " other preferences are passed on to the target"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path :
                openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith(RelayResource.PATH)) {
                continue;
            }
            for (Operation operation : path.getValue().getOperations().values()) {
                for (Header header : HEADERS) {
                    operation.addParameter(header.parameter());
                }
            }
        }
    }

    /** One documented header. */
    private record Header(String name, Schema.SchemaType type, String format, String description) {
        Parameter parameter() {
            Schema schema = OASFactory.createSchema().addType(type);
            if (format != null) {
                schema.setFormat(format);
            }
            return OASFactory.createParameter()
                    .name(name)
                    .in(Parameter.In.HEADER)
                    .required(false)
                    .description(description)
                    .schema(schema);
        }
    }
}
