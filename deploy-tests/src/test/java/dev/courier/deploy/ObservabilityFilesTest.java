package dev.courier.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The alerting rules pass {@code promtool check rules} and their unit tests ({@code promtool test rules}); the
 * dashboards are Grafana dashboards whose every panel queries Prometheus; every Courier metric they use is documented
 * in the README. That each query returns data from the running services is PrometheusIT's (e2e-tests).
 */
class ObservabilityFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RULES = Repository.OBSERVABILITY.resolve("courier-alerts.yaml");
    private static final Path RULE_TESTS = Repository.OBSERVABILITY.resolve("courier-alerts-test.yaml");
    private static final Path PROMETHEUS_RULE = Repository.OBSERVABILITY.resolve("courier-prometheusrule.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern COURIER_METRIC = Pattern.compile("\\bcourier_[a-z_]+");

    @Test
    void theRulesPassPromtoolsCheckAndTheirUnitTests() {
        Path promtool = Repository.onPath("promtool").orElse(null);
        assumeTrue(
                promtool != null,
                "promtool is not on PATH, so the alerting rules are not checked here: install it (Debian: apt-get"
                        + " install prometheus; .ci/run does)");
        String checked =
                Tool.succeed(Repository.OBSERVABILITY, promtool.toString(), "check", "rules", RULES.toString());
        assertThat(checked).contains("SUCCESS");
        String tested =
                Tool.succeed(Repository.OBSERVABILITY, promtool.toString(), "test", "rules", RULE_TESTS.toString());
        assertThat(tested).contains("SUCCESS");
    }

    @Test
    void thePrometheusRuleHoldsExactlyTheGroupsOfTheRuleFile() throws IOException {
        // generate-prometheusrule.sh writes it from courier-alerts.yaml; this fails when it was not run again.
        JsonNode rule = YAML.readTree(PROMETHEUS_RULE.toFile());
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
        JsonNode groups = YAML.readTree(RULES.toFile()).path("groups");
        assertThat(groups.size()).isPositive();
        assertThat(rule.path("spec").path("groups"))
                .as(
                        "spec.groups of %s: the groups of %s (run %s)",
                        PROMETHEUS_RULE, RULES, "generate-prometheusrule.sh")
                .isEqualTo(groups);
        assertThat(rule.path("spec").size())
                .as("spec of %s holds only groups", PROMETHEUS_RULE)
                .isEqualTo(1);
    }

    @Test
    void everyAlertHasAUnitTestThatExpectsItToFire() {
        Set<String> alerts = matches(Pattern.compile("(?m)^\\s*- alert: (\\w+)"), Repository.read(RULES));
        Set<String> firing = new TreeSet<>();
        Matcher tests = Pattern.compile("(?m)alertname: (\\w+)\\n\\s*exp_alerts:\\n\\s*- exp_labels")
                .matcher(Repository.read(RULE_TESTS));
        while (tests.find()) {
            firing.add(tests.group(1));
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(8);
        assertThat(firing).as("alerts some unit test expects to fire").containsExactlyInAnyOrderElementsOf(alerts);
    }

    @Test
    void everyDashboardPanelQueriesPrometheusThroughTheDatasourceVariable() throws IOException {
        List<Path> dashboards = dashboards();
        assertThat(dashboards)
                .extracting(path -> path.getFileName().toString())
                .containsExactlyInAnyOrder(
                        "courier-overview.json",
                        "courier-accepter.json",
                        "courier-listener.json",
                        "courier-cache.json");
        Set<String> uids = new TreeSet<>();
        for (Path file : dashboards) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            assertThat(uids.add(dashboard.path("uid").asText()))
                    .as("unique uid of %s", file)
                    .isTrue();
            assertThat(dashboard.path("title").asText()).startsWith("Courier");
            List<JsonNode> panels = panels(dashboard);
            assertThat(panels).as("panels of %s", file).hasSizeGreaterThanOrEqualTo(4);
            Set<Integer> ids = new TreeSet<>();
            for (JsonNode panel : panels) {
                String where =
                        file.getFileName() + " panel '" + panel.path("title").asText() + "'";
                assertThat(ids.add(panel.path("id").asInt()))
                        .as("unique id: %s", where)
                        .isTrue();
                assertThat(panel.path("datasource").path("uid").asText())
                        .as(where)
                        .isEqualTo("${datasource}");
                assertThat(panel.path("targets").isEmpty())
                        .as("%s has queries", where)
                        .isFalse();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("expr").asText())
                            .as("%s query", where)
                            .isNotBlank();
                }
            }
        }
    }

    @Test
    void everyCourierMetricOfTheRulesAndDashboardsIsDocumentedInTheReadme() throws IOException {
        Set<String> used = new TreeSet<>(matches(COURIER_METRIC, Repository.read(RULES)));
        for (Path file : dashboards()) {
            for (JsonNode panel : panels(JSON.readTree(file.toFile()))) {
                for (JsonNode target : panel.path("targets")) {
                    used.addAll(matches(COURIER_METRIC, target.path("expr").asText()));
                }
            }
        }
        String readme = Repository.read(Repository.ROOT.resolve("README.md"));
        List<String> undocumented = new ArrayList<>();
        for (String series : used) {
            String metric = series.replaceFirst("_(total|bucket|count|sum|max)$", "");
            if (!readme.contains("`" + metric) && !readme.contains("`" + series)) {
                undocumented.add(series);
            }
        }
        assertThat(undocumented)
                .as("metrics used but not in the README's Observability table")
                .isEmpty();
    }

    /** Panels at the top level and inside rows. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                panel.path("panels").forEach(panels::add);
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(Repository.OBSERVABILITY.resolve("dashboards"))) {
            return files.filter(path -> path.toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.groupCount() > 0 ? matcher.group(1) : matcher.group());
        }
        return found;
    }
}
