package dev.courier.accepter.schedule;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer of {@code GET /v1/schedules}: every schedule, oldest first.
 *
 * @param schedules the schedules
 */
@Schema(name = "ScheduleList")
public record ScheduleList(List<ScheduleView> schedules) {}
