package dev.courier.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code overlays/podman} (what {@code deploy/k8s/play.sh} runs with {@code podman kube play}) is {@code overlays/local}
 * and nothing else but the differences its kustomization.yaml lists: a play that passes says something about the local
 * overlay's Deployments only as long as they are the same images, args, probes, resources and security contexts.
 */
class PodmanOverlayTest {
    private static final String WRITER_URL = "http://127.0.0.1:8082";
    /** Deployment -> the port it serves on with every pod on the host network (the reader moves off the writer's). */
    private static final Map<String, Integer> PORTS = Map.of(
            "courier-accepter", 8080,
            "courier-listener", 8081,
            "courier-cache-writer", 8082,
            "courier-cache-reader", 8083);

    private static Manifests local;
    private static Manifests podman;

    @BeforeAll
    static void render() {
        assumeTrue(
                Repository.onPath("kubectl").isPresent(),
                "kubectl is not on PATH, so deploy/k8s/overlays/podman is not rendered and not checked here");
        local = Manifests.render("local");
        podman = Manifests.render("podman");
    }

    @Test
    void itHoldsOnlyWhatPodmanPlaysAndEveryCourierDeploymentOfTheLocalOverlay() {
        assertThat(podman.all())
                .extracting(object -> object.path("kind").asText())
                .containsOnly("Deployment", "ConfigMap", "PersistentVolumeClaim");
        assertThat(podman.ofKind("Deployment"))
                .extracting(Manifests::name)
                .containsExactlyInAnyOrderElementsOf(PORTS.keySet());
        assertThat(podman.get("PersistentVolumeClaim", "courier-objects").path("spec"))
                .isEqualTo(local.get("PersistentVolumeClaim", "courier-objects").path("spec"));
        // The cache's StatefulSets (podman plays none) are among those Deployments; Kafka's is not.
        assertThat(local.ofKind("StatefulSet"))
                .extracting(Manifests::name)
                .containsExactlyInAnyOrder("courier-kafka", "courier-cache-writer", "courier-cache-reader");
    }

    @Test
    void theServicesEnvironmentIsTheLocalOnesWithTheBrokerAndBindAddressOnLoopback() {
        Map<String, String> expected = new LinkedHashMap<>(courierEnv(local));
        expected.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        expected.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        expected.put("COURIER_LISTENER_EGRESS_ALLOW_LOOPBACK", "true");
        assertThat(courierEnv(podman)).isEqualTo(expected);
    }

    @Test
    void everyDeploymentIsTheLocalOneButForTheListedDifferences() {
        String localEnv = courierEnvName(local);
        String podmanEnv = courierEnvName(podman);
        for (String name : PORTS.keySet()) {
            ObjectNode expected = localWorkload(name).deepCopy();
            if (expected.path("kind").asText().equals("StatefulSet")) {
                // The cache's StatefulSets become Deployments: the claim templates emptyDirs of the same name and
                // size, the StatefulSet's own fields gone.
                assertThat(name).startsWith("courier-cache-");
                expected.put("kind", "Deployment");
                ObjectNode spec = (ObjectNode) expected.path("spec");
                spec.remove(List.of("serviceName", "podManagementPolicy", "updateStrategy"));
                JsonNode templates = spec.remove("volumeClaimTemplates");
                assertThat(templates).as("%s volumeClaimTemplates", name).isNotEmpty();
                for (JsonNode template : templates) {
                    ((ArrayNode) expected.at("/spec/template/spec/volumes"))
                            .addObject()
                            .put("name", template.path("metadata").path("name").asText())
                            .putObject("emptyDir")
                            .put(
                                    "sizeLimit",
                                    template.path("spec")
                                            .path("resources")
                                            .path("requests")
                                            .path("storage")
                                            .asText());
                }
            }
            ObjectNode container = (ObjectNode) expected.at("/spec/template/spec/containers/0");
            int port = PORTS.get(name);
            // The local overlay's probes name the port "http"; it is the service's own port there.
            if (!name.equals("courier-cache-reader")) {
                assertThat(Manifests.containerPort(container, TextNode.valueOf("http")))
                        .hasValue(port);
            }
            container.remove("ports");
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                ((ObjectNode) container.path(probe).path("httpGet")).set("port", IntNode.valueOf(port));
            }
            for (JsonNode source : container.path("envFrom")) {
                assertThat(source.path("configMapRef").path("name").asText()).isEqualTo(localEnv);
                ((ObjectNode) source.path("configMapRef")).put("name", podmanEnv);
            }
            for (JsonNode variable : container.path("env")) {
                if (variable.path("name").asText().endsWith("_CACHE_URL")) {
                    ((ObjectNode) variable).put("value", WRITER_URL);
                }
            }
            Set<String> emptyDirs = Manifests.list(expected.at("/spec/template/spec/volumes")).stream()
                    .filter(volume -> volume.has("emptyDir"))
                    .map(volume -> volume.path("name").asText())
                    .collect(Collectors.toSet());
            for (JsonNode named : concat(expected.at("/spec/template/spec/volumes"), container.path("volumeMounts"))) {
                if (emptyDirs.contains(named.path("name").asText())) {
                    ((ObjectNode) named)
                            .put("name", name + "-" + named.path("name").asText());
                }
            }
            if (name.equals("courier-cache-reader")) {
                ((ArrayNode) container.path("env"))
                        .addObject()
                        .put("name", "QUARKUS_HTTP_PORT")
                        .put("value", String.valueOf(port));
                ((ObjectNode) expected.at("/spec/template/metadata/annotations"))
                        .put("prometheus.io/port", String.valueOf(port));
            }
            assertThat(normalized(podman.get("Deployment", name).deepCopy()))
                    .as(name)
                    .isEqualTo(normalized(expected));
        }
    }

    @Test
    void noPodOfThePlayNamesAServiceOrSharesAnEmptyDir() {
        Set<String> services =
                local.ofKind("Service").stream().map(Manifests::name).collect(Collectors.toSet());
        Map<String, String> values = new LinkedHashMap<>(courierEnv(podman));
        Set<String> emptyDirs = new java.util.HashSet<>();
        for (JsonNode deployment : podman.ofKind("Deployment")) {
            for (JsonNode variable : Manifests.containers(deployment).get(0).path("env")) {
                values.put(
                        Manifests.name(deployment) + " " + variable.path("name").asText(),
                        variable.path("value").asText());
            }
            for (JsonNode volume : Manifests.podSpec(deployment).path("volumes")) {
                if (volume.has("emptyDir")) {
                    // Podman 4.3 plays an emptyDir as the named volume of its name: one name, one shared directory.
                    assertThat(emptyDirs.add(volume.path("name").asText()))
                            .as(
                                    "emptyDir %s of %s is the only one of that name",
                                    volume.path("name").asText(), Manifests.describe(deployment))
                            .isTrue();
                }
            }
        }
        values.forEach((variable, value) -> assertThat(services)
                .as("%s=%s names no Service (there is no cluster DNS on podman)", variable, value)
                .noneMatch(service -> value.matches(".*(^|//)" + service + "([:./].*)?$")));
        assertThat(Set.copyOf(PORTS.values())).hasSize(PORTS.size());
    }

    /**
     * {@code deployment} with its container's env sorted by name: a strategic-merge patch moves the variable it sets
     * to the front, and the order matters only to {@code $(VAR)} references, which these manifests do not use. Its pod
     * volumes sorted by name too: their order means nothing (the mounts name them).
     */
    private static ObjectNode normalized(ObjectNode deployment) {
        ObjectNode container = (ObjectNode) deployment.at("/spec/template/spec/containers/0");
        List<JsonNode> env = new java.util.ArrayList<>(Manifests.list(container.path("env")));
        assertThat(env).noneMatch(variable -> variable.path("value").asText().contains("$("));
        env.sort(
                java.util.Comparator.comparing(variable -> variable.path("name").asText()));
        container.putArray("env").addAll(env);
        ObjectNode pod = (ObjectNode) deployment.at("/spec/template/spec");
        List<JsonNode> volumes = new java.util.ArrayList<>(Manifests.list(pod.path("volumes")));
        volumes.sort(
                java.util.Comparator.comparing(volume -> volume.path("name").asText()));
        pod.putArray("volumes").addAll(volumes);
        return deployment;
    }

    /** The Deployment or StatefulSet {@code name} of the local overlay. */
    private static JsonNode localWorkload(String name) {
        List<JsonNode> found = local.workloads().stream()
                .filter(workload -> name.equals(Manifests.name(workload)))
                .toList();
        assertThat(found).as("local workloads named %s", name).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> concat(JsonNode first, JsonNode second) {
        List<JsonNode> all = new java.util.ArrayList<>(Manifests.list(first));
        all.addAll(Manifests.list(second));
        return all;
    }

    private static String courierEnvName(Manifests manifests) {
        return manifests.ofKind("ConfigMap").stream()
                .map(Manifests::name)
                .filter(name -> name.startsWith("courier-env-"))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, String> courierEnv(Manifests manifests) {
        return Manifests.strings(
                manifests.get("ConfigMap", courierEnvName(manifests)).path("data"));
    }
}
