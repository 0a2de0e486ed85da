package dev.courier.accepter.tenancy;

import java.util.Map;
import java.util.Set;

import dev.courier.accepter.relay.RelayResource;
import dev.courier.common.http.CourierHeaders;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * Documents, in one place, the answers that authentication and the tenants' policies give on the accepter's API: 401
 * on every {@code /v1/} operation (no valid credential, {@code AccessFilter}), 403 where a tenant's policy refuses a
 * target, and 429 with {@code Retry-After} where its rate counts. Which operations those are is the table below: the
 * ones whose request is admitted at once ({@code RequestAcceptor.admit}, and the rate in its acceptance). A batch
 * refuses each request on its own inside its 202, and a schedule's fires are held to the rate, not its creation.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class AccessOpenApi implements OASFilter {
    private static final String API = "/v1/";
    private static final String PROBLEM = "#/components/schemas/Problem";

    /** Operations ({@code METHOD path}) whose target a tenant's policy may refuse: 403 naming the field. */
    private static final Set<String> POLICY =
            Set.of("POST /v1/invocations", "POST /v1/schedules", "PUT /v1/schedules/{id}", "POST /v1/replays");

    /** Operations that take a token of the tenant's rate: 429. */
    private static final Set<String> RATE = Set.of("POST /v1/invocations");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path :
                openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith(API)) {
                continue;
            }
            boolean relay = path.getKey().startsWith(RelayResource.PATH);
            for (Map.Entry<PathItem.HttpMethod, Operation> operation :
                    path.getValue().getOperations().entrySet()) {
                String name = operation.getKey().name() + " " + path.getKey();
                add(
                        operation.getValue(),
                        "401",
                        "No valid credential (X-Api-Key or a bearer token); WWW-Authenticate says which",
                        AuthHeader.WWW_AUTHENTICATE);
                if (relay || POLICY.contains(name)) {
                    add(
                            operation.getValue(),
                            "403",
                            "The tenant's policy does not allow this target (allowed-hosts, -routes, -functions);"
                                    + " the field is named",
                            null);
                }
                if (relay || RATE.contains(name)) {
                    add(
                            operation.getValue(),
                            "429",
                            "The tenant is over its rate (rate-per-second, burst); NOT accepted, send it again after"
                                    + " Retry-After seconds",
                            AuthHeader.RETRY_AFTER);
                }
            }
        }
    }

    /** Adds response {@code status} to {@code operation}, a problem document, unless it documents one already. */
    private static void add(Operation operation, String status, String description, AuthHeader header) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        if (operation.getResponses().hasAPIResponse(status)) {
            return;
        }
        APIResponse response = OASFactory.createAPIResponse()
                .description(description)
                .content(OASFactory.createContent()
                        .addMediaType(
                                CourierHeaders.PROBLEM_JSON,
                                OASFactory.createMediaType()
                                        .schema(OASFactory.createSchema().ref(PROBLEM))));
        if (header != null) {
            response.addHeader(header.name, header.header());
        }
        operation.getResponses().addAPIResponse(status, response);
    }

    /** A response header these answers carry. */
    private enum AuthHeader {
        WWW_AUTHENTICATE("WWW-Authenticate", Schema.SchemaType.STRING, "The schemes accepted: Bearer, ApiKey"),
        RETRY_AFTER("Retry-After", Schema.SchemaType.INTEGER, "Seconds until the tenant's rate admits a request");

        final String name;
        final Schema.SchemaType type;
        final String description;

        AuthHeader(String name, Schema.SchemaType type, String description) {
            this.name = name;
            this.type = type;
            this.description = description;
        }

        Header header() {
            return OASFactory.createHeader()
                    .description(description)
                    .schema(OASFactory.createSchema().addType(type));
        }
    }
}
