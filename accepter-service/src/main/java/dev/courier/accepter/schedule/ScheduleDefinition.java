package dev.courier.accepter.schedule;

import dev.courier.common.request.InvocationRequest;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of {@code POST /v1/schedules}, as documented in the OpenAPI document; {@link ScheduleReader} reads it (as
 * strictly as an invocation request).
 *
 * @param cron Quartz cron expression: seconds, minutes, hours, day of month, month, day of week, optional year
 * @param timeZone IANA time zone the expression is read in; default {@code UTC}
 * @param request the invocation request each fire enqueues, as {@code POST /v1/invocations} takes it, without
 *     {@code idempotencyKey}, {@code deliverAt} or {@code expiresAt}
 * @param description free text, up to 1024 characters
 * @param missedFires after downtime: {@code fire-once} (default: the latest missed fire time once) or {@code skip}
 */
@Schema(name = "ScheduleDefinition")
public record ScheduleDefinition(
        @Schema(required = true, examples = "*/2 * * * * ?") String cron,
        @Schema(defaultValue = "UTC", examples = "Europe/Paris") String timeZone,
        @Schema(required = true) InvocationRequest request,
        @Schema(maxLength = ScheduleReader.MAX_DESCRIPTION) String description,
        @Schema(defaultValue = "fire-once") MissedFires missedFires) {}
