package dev.courier.accepter.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.accepter.intake.RequestReader;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.tenancy.TenantPolicies;
import dev.courier.common.http.Problem.FieldError;
import dev.courier.common.request.InvocationRequest;

/**
 * Reads the body of {@code POST /v1/schedules} ({@link ScheduleDefinition}) as strictly as an invocation request: an
 * unknown field, a field of the wrong type, an invalid cron expression, an unknown time zone and every error of the
 * request template are 422, each field named ({@code cron}, {@code timeZone}, {@code request.target.url}, ...). The
 * template is read and checked by the intake's own {@link RequestReader} and {@link RequestAcceptor#admit}, so a
 * template is valid exactly when {@code POST /v1/invocations} would accept it.
 */
@ApplicationScoped
public class ScheduleReader {
    /** Longest description, in characters. */
    public static final int MAX_DESCRIPTION = 1024;

    private static final String DEFAULT_TIME_ZONE = "UTC";
    private static final Set<String> FIELDS = Set.of("cron", "timeZone", "request", "description", "missedFires");

    private final RequestReader requests;
    private final RequestAcceptor acceptor;
    private final TenantPolicies policies;
    private final ObjectMapper mapper;

    public ScheduleReader(
            RequestReader requests, RequestAcceptor acceptor, TenantPolicies policies, ObjectMapper mapper) {
        this.requests = requests;
        this.acceptor = acceptor;
        this.policies = policies;
        this.mapper = mapper;
    }

    /**
     * The definition in {@code body}, valid at {@code now}, as schedule {@code id} of {@code tenant} created at
     * {@code now}. Its template is held to that tenant's policy as a request of the tenant would be: a target outside
     * it is a 403 naming the field under {@code request.}, a fire larger than the tenant's {@code max-request-bytes} a
     * 413 naming {@code request.body}.
     */
    public Schedule read(byte[] body, String id, String tenant, Instant now) {
        JsonNode tree = requests.tree(body);
        if (tree == null || tree.isNull()) {
            throw RequestProblem.malformed("the request body is JSON null; send a schedule object");
        }
        if (!tree.isObject()) {
            throw RequestProblem.invalidFields(List.of(new FieldError("body", "must be a JSON object")));
        }
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "unknown field"));
            }
        }
        String cron = text(tree, "cron", true, errors);
        String timeZone = text(tree, "timeZone", false, errors);
        String description = text(tree, "description", false, errors);
        if (description != null && description.length() > MAX_DESCRIPTION) {
            errors.add(new FieldError("description", "must be at most " + MAX_DESCRIPTION + " characters"));
        }
        MissedFires missedFires = MissedFires.FIRE_ONCE;
        String policy = text(tree, "missedFires", false, errors);
        if (policy != null) {
            missedFires = MissedFires.fromWire(policy);
            if (missedFires == null) {
                errors.add(new FieldError("missedFires", "must be one of fire-once, skip"));
            }
        }
        FireTimes fireTimes = fireTimes(cron, timeZone == null ? DEFAULT_TIME_ZONE : timeZone, now, errors);
        InvocationRequest template = template(tree.get("request"), id, tenant, now, errors);
        if (!errors.isEmpty()) {
            throw RequestProblem.invalidFields(errors.stream()
                    .sorted(Comparator.comparing(FieldError::field))
                    .toList());
        }
        return new Schedule(
                id,
                tenant,
                cron,
                fireTimes.zone().getId(),
                description,
                missedFires,
                template,
                now,
                null,
                null,
                null,
                0);
    }

    /**
     * The fire times, or null with the errors added (the cron expression is checked even when the zone is unknown, so
     * that both are named); a schedule that would never fire again is an error too.
     */
    private static FireTimes fireTimes(String cron, String timeZone, Instant now, List<FieldError> errors) {
        ZoneId zone = null;
        try {
            zone = FireTimes.zone(timeZone);
        } catch (FireTimes.InvalidSchedule e) {
            errors.add(new FieldError(e.field(), e.getMessage()));
        }
        if (cron == null) {
            return null;
        }
        try {
            FireTimes fireTimes = FireTimes.of(cron, zone != null ? zone : ZoneOffset.UTC);
            if (zone != null && fireTimes.nextAfter(now).isEmpty()) {
                errors.add(new FieldError("cron", "has no fire time after now"));
            }
            return zone != null ? fireTimes : null;
        } catch (FireTimes.InvalidSchedule e) {
            errors.add(new FieldError(e.field(), e.getMessage()));
            return null;
        }
    }

    /**
     * The request template as the intake would take it, its id the schedule's; or null with its errors added under
     * {@code request.}. Fields that would mean the same thing at every fire are refused: an idempotency key (each fire
     * has its own) and fixed instants (use {@code delaySeconds} and {@code maxAgeSeconds}).
     */
    private InvocationRequest template(JsonNode tree, String id, String tenant, Instant now, List<FieldError> errors) {
        if (tree == null || tree.isNull()) {
            errors.add(new FieldError("request", "is required: the invocation request each fire enqueues"));
            return null;
        }
        InvocationRequest template;
        try {
            template = requests.read(tree);
            // Refuses what only Courier sets, sensitive headers it cannot seal, and targets outside the tenant's
            // policy; and a template whose fires would all be over the tenant's size (a fire is this, with its fire
            // key as the correlation id when the template names none: the key's length is the same at every fire).
            InvocationRequest fire = acceptor.admit(template, ScheduleFirer.fireKey(id, now), tenant);
            policies.checkSize(tenant, mapper.writeValueAsBytes(fire).length, "request.body");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a request is always writable as JSON", e);
        } catch (RequestProblem problem) {
            if (problem.status() == 403 && problem.errors().size() == 1) {
                FieldError refused = problem.errors().get(0);
                throw RequestProblem.forbidden(inRequest(refused.field()), refused.message());
            }
            if (problem.status() != 422 && problem.status() != 400) {
                throw problem;
            }
            if (problem.errors().isEmpty()) {
                errors.add(new FieldError("request", problem.getMessage()));
            }
            problem.errors().forEach(error -> errors.add(new FieldError(inRequest(error.field()), error.message())));
            return null;
        }
        if (template.idempotencyKey() != null) {
            errors.add(new FieldError(
                    "request.idempotencyKey",
                    "is set by the schedule for each fire (schedule:<id>:<fire time in epoch ms>); leave it out"));
        }
        if (template.deliverAt() != null) {
            errors.add(new FieldError(
                    "request.deliverAt", "is a fixed instant, the same at every fire; use delaySeconds instead"));
        }
        if (template.expiresAt() != null) {
            errors.add(new FieldError(
                    "request.expiresAt", "is a fixed instant, the same at every fire; use maxAgeSeconds instead"));
        }
        return template.withId(id);
    }

    private static String inRequest(String field) {
        return "body".equals(field) ? "request" : "request." + field;
    }

    /** The text of {@code field}, null when absent (an error when {@code required}) or not a string (an error). */
    private static String text(JsonNode tree, String field, boolean required, List<FieldError> errors) {
        JsonNode value = tree.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return value.asText();
    }
}
