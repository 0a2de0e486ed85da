package dev.courier.accepter.status;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jakarta.annotation.PreDestroy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.request.InvocationRequest;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /v1/invocations/{id}}: an invocation's status (SPEC section 6), read from the status read model that
 * cache-service projects from the records the system writes. Reading status never touches the delivery path.
 */
@Path("/v1/invocations/{id}")
public class InvocationStatusResource {
    private final URI cache;
    private final Duration timeout;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "courier-status-client");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client;

    public InvocationStatusResource(AccepterConfig config) {
        this.cache = config.cacheUrl();
        this.timeout = config.statusTimeout();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The status of an invocation")
    public CompletionStage<Response> status(@PathParam("id") String id) {
        if (!id.matches(InvocationRequest.ID_PATTERN)) {
            throw RequestProblem.notFound("no invocation has the id " + id);
        }
        HttpRequest read = HttpRequest.newBuilder(cache.resolve("/v1/cache/courier.status/" + id))
                .timeout(timeout)
                .GET()
                .build();
        return client.sendAsync(read, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            if (error != null) {
                throw RequestProblem.unavailable("the status store did not answer; try again");
            }
            if (response.statusCode() == 404) {
                throw RequestProblem.notFound("no invocation with id " + id + " is known (yet)");
            }
            if (response.statusCode() != 200) {
                throw RequestProblem.unavailable("the status store answered " + response.statusCode());
            }
            return Response.ok(response.body(), MediaType.APPLICATION_JSON).build();
        });
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
