package dev.courier.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.courier.deploy.NetworkPolicies.Source;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Renders every overlay of {@code deploy/k8s} with {@code kubectl kustomize}, as {@code kubectl apply -k} would, and
 * checks what a cluster would only reveal at run time: selectors that select nothing, probes and ports that are not the
 * services' own, a heap that does not fit its limit, topics missing from the topic list, an autoscaler that scales
 * past the partitions, a policy that lets a stranger reach the cache.
 */
class KustomizeOverlaysTest {
    private static final String NAMESPACE = "courier";
    /** The Courier components and the module of each (its application.properties holds quarkus.http.port). */
    private static final Map<String, String> COURIER_COMPONENTS =
            Map.of("accepter", "accepter", "listener", "listener", "cache", "cache");
    /** Secrets an operator creates by hand (README "Deploy"): nothing else may be referenced without being rendered. */
    private static final Set<String> EXTERNAL_SECRETS = Set.of("courier-oci-streaming", "courier-auth");

    private static final Map<String, Manifests> RENDERS = new ConcurrentHashMap<>();

    @BeforeAll
    static void kubectlIsThere() {
        assumeTrue(
                Repository.onPath("kubectl").isPresent(),
                "kubectl is not on PATH, so the overlays of deploy/k8s are not rendered and not checked here: install"
                        + " kubectl (1.27+, with its built-in kustomize) to run KustomizeOverlaysTest");
    }

    private static Manifests render(String overlay) {
        return RENDERS.computeIfAbsent(overlay, Manifests::render);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void everyWorkloadSelectsItsOwnPodsAndEverySelectorSelectsPods(String overlay) {
        Manifests manifests = render(overlay);
        assertThat(manifests.workloads()).isNotEmpty();
        for (JsonNode workload : manifests.workloads()) {
            JsonNode selector = workload.path("spec").path("selector");
            assertThat(selector.path("matchLabels").isEmpty())
                    .as("%s selects on labels", Manifests.describe(workload))
                    .isFalse();
            assertThat(Manifests.matches(selector, Manifests.podLabels(workload)))
                    .as(
                            "%s: selector %s matches its pod labels %s",
                            Manifests.describe(workload), selector, Manifests.podLabels(workload))
                    .isTrue();
            // Two workloads selecting each other's pods would fight over them.
            assertThat(manifests.workloadsSelectedBy(selector))
                    .as("workloads whose pods %s selects", Manifests.describe(workload))
                    .containsExactly(workload);
        }
        for (String kind : List.of("PodDisruptionBudget", "Service")) {
            for (JsonNode object : manifests.ofKind(kind)) {
                assertThat(manifests.workloadsSelectedBy(object.path("spec").path("selector")))
                        .as("pods that %s selects", Manifests.describe(object))
                        .isNotEmpty();
            }
        }
        for (JsonNode policy : manifests.ofKind("NetworkPolicy")) {
            assertThat(manifests.workloadsSelectedBy(policy.path("spec").path("podSelector")))
                    .as("pods that %s applies to", Manifests.describe(policy))
                    .isNotEmpty();
        }
        assertThat(manifests.ofKind("PodDisruptionBudget"))
                .extracting(pdb -> Manifests.describe(manifests
                        .workloadsSelectedBy(pdb.path("spec").path("selector"))
                        .get(0)))
                .contains(
                        "Deployment/courier-accepter",
                        "Deployment/courier-listener",
                        "StatefulSet/courier-cache-writer",
                        "StatefulSet/courier-cache-reader");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void everyContainerHasItsThreeProbesRequestsAndLimits(String overlay) {
        for (JsonNode workload : render(overlay).workloads()) {
            for (JsonNode container : Manifests.containers(workload)) {
                String where = Manifests.describe(workload) + " container "
                        + container.path("name").asText();
                for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                    assertThat(container.has(probe))
                            .as("%s has a %s", where, probe)
                            .isTrue();
                }
                for (String bound : List.of("requests", "limits")) {
                    JsonNode resources = container.path("resources").path(bound);
                    assertThat(resources.has("cpu") && resources.has("memory"))
                            .as("%s has cpu and memory %s", where, bound)
                            .isTrue();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void courierContainersAskQuarkusHealthOnTheServicesOwnPortAndSizeTheHeapFromTheLimit(String overlay) {
        List<JsonNode> courier = courierWorkloads(render(overlay));
        assertThat(courier)
                .extracting(Manifests::name)
                .containsExactlyInAnyOrder(
                        "courier-accepter", "courier-listener", "courier-cache-writer", "courier-cache-reader");
        for (JsonNode workload : courier) {
            JsonNode container = Manifests.containers(workload).get(0);
            String where = Manifests.describe(workload);
            int httpPort = httpPort(workload);
            assertThat(Manifests.containerPort(container, TextNode.valueOf("http")))
                    .as("%s: the port named http is quarkus.http.port", where)
                    .hasValue(httpPort);
            Map<String, String> paths = Map.of(
                    "startupProbe", "/q/health/started",
                    "readinessProbe", "/q/health/ready",
                    "livenessProbe", "/q/health/live");
            paths.forEach((probe, path) -> {
                JsonNode get = container.path(probe).path("httpGet");
                assertThat(get.path("path").asText())
                        .as("%s %s path", where, probe)
                        .isEqualTo(path);
                assertThat(Manifests.containerPort(container, get.path("port")))
                        .as("%s %s port", where, probe)
                        .hasValue(httpPort);
            });
            // The heap is a share of the memory limit (or an explicit -Xmx under it), leaving room outside the heap.
            String options = Manifests.env(container, "JAVA_TOOL_OPTIONS").orElse("");
            long limit = bytes(
                    container.path("resources").path("limits").path("memory").asText());
            assertThat(maxHeap(options, limit))
                    .as("%s: heap from JAVA_TOOL_OPTIONS '%s' within 80 %% of the %d-byte limit", where, options, limit)
                    .isPositive()
                    .isLessThanOrEqualTo(limit * 8 / 10);
            assertThat(container
                            .path("resources")
                            .path("requests")
                            .path("memory")
                            .asText())
                    .as("%s: memory request = limit (the heap is sized from the limit; no overcommit)", where)
                    .isEqualTo(container
                            .path("resources")
                            .path("limits")
                            .path("memory")
                            .asText());
            JsonNode pod = Manifests.podSpec(workload);
            assertThat(pod.path("enableServiceLinks").asBoolean(true))
                    .as("%s: service links off (Quarkus would read COURIER_*_PORT=tcp://… as configuration)", where)
                    .isFalse();
            assertThat(container
                            .path("securityContext")
                            .path("readOnlyRootFilesystem")
                            .asBoolean())
                    .as("%s: read-only root file system", where)
                    .isTrue();
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean())
                    .as("%s runs as non-root", where)
                    .isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void metricsAreScrapedFromQuarkusMetricsOnTheContainersRealPorts(String overlay) {
        Manifests manifests = render(overlay);
        for (JsonNode workload : courierWorkloads(manifests)) {
            Map<String, String> annotations = Manifests.strings(
                    workload.path("spec").path("template").path("metadata").path("annotations"));
            assertThat(annotations)
                    .as("%s scrape annotations", Manifests.describe(workload))
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/path", "/q/metrics")
                    .containsEntry("prometheus.io/port", Integer.toString(httpPort(workload)));
        }
        Set<String> scraped = new HashSet<>();
        for (JsonNode monitor : manifests.ofKind("ServiceMonitor")) {
            assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
            List<JsonNode> services = manifests.ofKind("Service").stream()
                    .filter(service -> Manifests.matches(
                            monitor.path("spec").path("selector"),
                            Manifests.strings(service.path("metadata").path("labels"))))
                    .toList();
            assertThat(services)
                    .as("Services that %s selects", Manifests.describe(monitor))
                    .isNotEmpty();
            for (JsonNode endpoint : Manifests.list(monitor.path("spec").path("endpoints"))) {
                assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
                for (JsonNode service : services) {
                    JsonNode port = Manifests.list(service.path("spec").path("ports")).stream()
                            .filter(p -> endpoint.path("port")
                                    .asText()
                                    .equals(p.path("name").asText()))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError(Manifests.describe(monitor) + " scrapes port "
                                    + endpoint.path("port") + ", which " + Manifests.describe(service) + " lacks"));
                    for (JsonNode workload :
                            manifests.workloadsSelectedBy(service.path("spec").path("selector"))) {
                        int target = Manifests.containerPort(
                                        Manifests.containers(workload).get(0), port.path("targetPort"))
                                .orElseThrow(() -> new AssertionError(Manifests.describe(service) + " targets "
                                        + port.path("targetPort") + ", not a port of " + Manifests.describe(workload)));
                        assertThat(target)
                                .as("%s → %s", Manifests.describe(monitor), Manifests.describe(workload))
                                .isEqualTo(httpPort(workload));
                        scraped.add(Manifests.name(workload));
                    }
                }
            }
        }
        assertThat(scraped)
                .containsExactlyInAnyOrder(
                        "courier-accepter", "courier-listener", "courier-cache-writer", "courier-cache-reader");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void whatTheWorkloadsReferToIsRenderedOrAKnownSecret(String overlay) {
        Manifests manifests = render(overlay);
        for (JsonNode workload : manifests.workloads()) {
            JsonNode pod = Manifests.podSpec(workload);
            String where = Manifests.describe(workload);
            if (pod.has("serviceAccountName")) {
                manifests.get("ServiceAccount", pod.path("serviceAccountName").asText());
            }
            for (JsonNode volume : Manifests.list(pod.path("volumes"))) {
                if (volume.has("persistentVolumeClaim")) {
                    manifests.get(
                            "PersistentVolumeClaim",
                            volume.path("persistentVolumeClaim")
                                    .path("claimName")
                                    .asText());
                }
                if (volume.has("configMap")) {
                    manifests.get(
                            "ConfigMap", volume.path("configMap").path("name").asText());
                }
            }
            // A StatefulSet's claim templates are volumes of its pods too.
            List<JsonNode> volumes = new ArrayList<>(Manifests.list(pod.path("volumes")));
            volumes.addAll(Manifests.list(workload.path("spec").path("volumeClaimTemplates")).stream()
                    .map(template -> template.path("metadata"))
                    .toList());
            for (JsonNode container : Manifests.containers(workload)) {
                for (JsonNode mount : Manifests.list(container.path("volumeMounts"))) {
                    assertThat(volumes)
                            .as("%s mounts volume %s", where, mount.path("name").asText())
                            .anyMatch(volume -> volume.path("name").equals(mount.path("name")));
                }
                for (JsonNode source : Manifests.list(container.path("envFrom"))) {
                    manifests.get(
                            "ConfigMap",
                            source.path("configMapRef").path("name").asText());
                }
                for (JsonNode variable : Manifests.list(container.path("env"))) {
                    JsonNode from = variable.path("valueFrom");
                    if (from.has("configMapKeyRef")) {
                        JsonNode map = manifests.get(
                                "ConfigMap",
                                from.path("configMapKeyRef").path("name").asText());
                        assertThat(map.path("data")
                                        .has(from.path("configMapKeyRef")
                                                .path("key")
                                                .asText()))
                                .isTrue();
                    }
                    if (from.has("secretKeyRef")) {
                        assertThat(EXTERNAL_SECRETS)
                                .as(
                                        "%s: secret of %s",
                                        where, variable.path("name").asText())
                                .contains(from.path("secretKeyRef").path("name").asText());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void theCacheServesOnlyCourierWhileTheAccepterIsPublic(String overlay) {
        Manifests manifests = render(overlay);
        JsonNode defaultDeny = manifests.ofKind("NetworkPolicy").stream()
                .filter(policy -> policy.path("spec").path("podSelector").isEmpty())
                .findFirst()
                .orElseThrow(() -> new AssertionError(overlay + ": no policy for every pod"));
        assertThat(defaultDeny.path("spec").path("ingress").isEmpty())
                .as("the namespace-wide policy admits nothing by itself")
                .isTrue();

        Source stranger = new Source("default", Map.of("app", "anything"));
        Source prometheus = new Source("monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
        for (String cache : List.of("courier-cache-writer", "courier-cache-reader")) {
            JsonNode target = manifests.get("StatefulSet", cache);
            for (JsonNode client : manifests.workloads()) {
                Source source = new Source(NAMESPACE, Manifests.podLabels(client));
                boolean courier = COURIER_COMPONENTS.containsKey(component(client));
                assertThat(NetworkPolicies.admits(manifests, NAMESPACE, source, target, 8082))
                        .as("%s may reach %s: %s", Manifests.describe(client), cache, courier)
                        .isEqualTo(courier);
            }
            assertThat(NetworkPolicies.admits(manifests, NAMESPACE, stranger, target, 8082))
                    .as("a pod of another namespace reaches %s", cache)
                    .isFalse();
            assertThat(NetworkPolicies.admits(manifests, NAMESPACE, prometheus, target, 8082))
                    .as("Prometheus scrapes %s", cache)
                    .isTrue();
        }
        JsonNode accepter = manifests.get("Deployment", "courier-accepter");
        assertThat(NetworkPolicies.admits(manifests, NAMESPACE, stranger, accepter, 8080))
                .as("anyone reaches the accepter's API")
                .isTrue();
        JsonNode listener = manifests.get("Deployment", "courier-listener");
        assertThat(NetworkPolicies.admits(manifests, NAMESPACE, stranger, listener, 8081))
                .as("a stranger reaches the listener")
                .isFalse();
        assertThat(NetworkPolicies.admits(manifests, NAMESPACE, prometheus, listener, 8081))
                .as("Prometheus scrapes the listener")
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void theCacheRolesAreSeparateAndTheOtherServicesWriteToAWriter(String overlay) {
        Manifests manifests = render(overlay);
        for (String role : List.of("writer", "reader")) {
            JsonNode container = Manifests.containers(manifests.get("StatefulSet", "courier-cache-" + role))
                    .get(0);
            assertThat(Manifests.env(container, "COURIER_CACHE_ROLE")).hasValue(role);
        }
        Map<String, String> urls = Map.of(
                "courier-accepter", "COURIER_ACCEPTER_CACHE_URL", "courier-listener", "COURIER_LISTENER_CACHE_URL");
        urls.forEach((deployment, variable) -> {
            String url = Manifests.env(
                            Manifests.containers(manifests.get("Deployment", deployment))
                                    .get(0),
                            variable)
                    .orElseThrow(() -> new AssertionError(deployment + " has no " + variable));
            Matcher matcher = Pattern.compile("http://([a-z0-9-]+):(\\d+)").matcher(url);
            assertThat(matcher.matches()).as("%s %s", deployment, url).isTrue();
            JsonNode service = manifests.get("Service", matcher.group(1));
            assertThat(Manifests.list(service.path("spec").path("ports")))
                    .anyMatch(port -> port.path("port").asText().equals(matcher.group(2)));
            assertThat(manifests.workloadsSelectedBy(service.path("spec").path("selector")))
                    .extracting(workload -> Manifests.env(
                                    Manifests.containers(workload).get(0), "COURIER_CACHE_ROLE")
                            .orElse(""))
                    .as("%s points at writers", variable)
                    .containsOnly("writer");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void theCacheWritersAndReadersKeepTheirStateDirectoryOnAVolumeClaimOfEachPod(String overlay) {
        Manifests manifests = render(overlay);
        // The variable that sets cache-service's courier.cache.state.directory (MicroProfile Config's env mapping).
        String property = "courier.cache.state.directory";
        Repository.serviceProperty("cache", property);
        String variable = property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
        for (String name : List.of("courier-cache-writer", "courier-cache-reader")) {
            JsonNode workload = manifests.get("StatefulSet", name);
            String where = Manifests.describe(workload);
            JsonNode container = Manifests.containers(workload).get(0);
            String directory = Manifests.env(container, variable)
                    .orElseThrow(() -> new AssertionError(where + " sets no " + variable));
            List<JsonNode> mounts = Manifests.list(container.path("volumeMounts")).stream()
                    .filter(mount -> directory.equals(mount.path("mountPath").asText()))
                    .toList();
            assertThat(mounts)
                    .as("%s: volumes mounted on %s=%s", where, variable, directory)
                    .hasSize(1);
            String volume = mounts.get(0).path("name").asText();
            assertThat(Manifests.list(Manifests.podSpec(workload).path("volumes")))
                    .as("%s: %s is no pod volume (an emptyDir would die with the pod)", where, volume)
                    .noneMatch(v -> volume.equals(v.path("name").asText()));
            List<JsonNode> claims = Manifests.list(workload.path("spec").path("volumeClaimTemplates")).stream()
                    .filter(template ->
                            volume.equals(template.path("metadata").path("name").asText()))
                    .toList();
            assertThat(claims)
                    .as("%s: volumeClaimTemplates named %s", where, volume)
                    .hasSize(1);
            JsonNode claim = claims.get(0).path("spec");
            assertThat(Manifests.list(claim.path("accessModes")))
                    .extracting(JsonNode::asText)
                    .as("%s: access modes of claim %s", where, volume)
                    .containsExactly("ReadWriteOnce");
            assertThat(bytes(claim.path("resources")
                            .path("requests")
                            .path("storage")
                            .asText()))
                    .as("%s: storage of claim %s", where, volume)
                    .isGreaterThanOrEqualTo(1L << 30);
            assertThat(claim.has("storageClassName"))
                    .as("%s: claim %s is of the cluster's default storage class", where, volume)
                    .isFalse();

            // The governing Service: headless, selecting these pods, and scraped by no ServiceMonitor (the pods
            // would be scraped twice, under a second job name).
            JsonNode headless = manifests.get(
                    "Service", workload.path("spec").path("serviceName").asText());
            assertThat(headless.path("spec").path("clusterIP").asText())
                    .as("%s is headless", Manifests.describe(headless))
                    .isEqualTo("None");
            assertThat(manifests.workloadsSelectedBy(headless.path("spec").path("selector")))
                    .containsExactly(workload);
            for (JsonNode monitor : manifests.ofKind("ServiceMonitor")) {
                assertThat(Manifests.matches(
                                monitor.path("spec").path("selector"),
                                Manifests.strings(headless.path("metadata").path("labels"))))
                        .as("%s selects %s", Manifests.describe(monitor), Manifests.describe(headless))
                        .isFalse();
            }
            // The Service the clients use is still a ClusterIP one.
            assertThat(manifests
                            .get("Service", name)
                            .path("spec")
                            .path("clusterIP")
                            .asText())
                    .isNotEqualTo("None");
        }
    }

    @Test
    void theLocalOverlayHasAKafkaTopicForEveryTopicOfTopicsConfAndATopicOperatorForThem() {
        Manifests manifests = render("local");
        Map<String, Integer> topics = Repository.topics();
        assertThat(topics).containsKeys("courier.requests", "courier.cache.changes");
        JsonNode operator = Manifests.containers(manifests.get("Deployment", "courier-topic-operator"))
                .get(0);
        String[] selected =
                Manifests.env(operator, "STRIMZI_RESOURCE_LABELS").orElseThrow().split("=", 2);
        List<String> found = new ArrayList<>();
        for (JsonNode topic : manifests.ofKind("KafkaTopic")) {
            assertThat(topic.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1beta2");
            assertThat(topic.path("metadata").path("labels").path(selected[0]).asText())
                    .as("%s is one the topic operator manages", Manifests.describe(topic))
                    .isEqualTo(selected[1]);
            String name = topic.path("spec").path("topicName").asText();
            assertThat(topics).as("KafkaTopic for %s", name).containsKey(name);
            assertThat(topic.path("spec").path("partitions").asInt())
                    .as("partitions of %s", name)
                    .isEqualTo(topics.get(name));
            found.add(name);
        }
        assertThat(found).containsExactlyInAnyOrderElementsOf(topics.keySet());

        // The brokers' address in the services' environment is a rendered Service's port.
        String bootstrap = courierEnv(manifests).get("KAFKA_BOOTSTRAP_SERVERS");
        String[] hostPort = bootstrap.split(":");
        JsonNode kafka = manifests.get("Service", hostPort[0]);
        assertThat(Manifests.list(kafka.path("spec").path("ports")))
                .anyMatch(port -> port.path("port").asText().equals(hostPort[1]));
        assertThat(Manifests.env(operator, "STRIMZI_KAFKA_BOOTSTRAP_SERVERS")).hasValue(bootstrap);
    }

    @Test
    void theOciOverlayCreatesNoTopicsAndConnectsEveryServiceToOciStreamingWithItsOwnIdentity() {
        Manifests manifests = render("oci");
        // Streams on OCI Streaming are created by operators (README "Running on OCI"), never by a topic operator.
        assertThat(manifests.ofKind("KafkaTopic")).isEmpty();
        // No broker either: the only StatefulSets are the cache's.
        assertThat(manifests.ofKind("StatefulSet"))
                .extracting(Manifests::name)
                .containsExactlyInAnyOrder("courier-cache-writer", "courier-cache-reader");
        Map<String, String> env = courierEnv(manifests);
        assertThat(env)
                .containsEntry("QUARKUS_PROFILE", "oci")
                .containsKey("COURIER_OCI_STREAMING_BOOTSTRAP_SERVERS")
                .doesNotContainKey("KAFKA_BOOTSTRAP_SERVERS");
        for (String component : COURIER_COMPONENTS.values()) {
            String prefix = "COURIER_" + component.toUpperCase(java.util.Locale.ROOT);
            assertThat(env).containsEntry(prefix + "_OCI_AUTH_TYPE", "workload-identity");
            assertThat(env.get(prefix + "_OBJECT_STORE_BUCKET")).isNotBlank();
        }
        for (JsonNode workload : courierWorkloads(manifests)) {
            JsonNode container = Manifests.containers(workload).get(0);
            for (String secret : List.of("COURIER_OCI_STREAMING_USERNAME", "COURIER_OCI_STREAMING_AUTH_TOKEN")) {
                assertThat(Manifests.list(container.path("env")))
                        .as("%s gets %s from the secret", Manifests.describe(workload), secret)
                        .anyMatch(
                                variable -> secret.equals(variable.path("name").asText())
                                        && "courier-oci-streaming"
                                                .equals(variable.path("valueFrom")
                                                        .path("secretKeyRef")
                                                        .path("name")
                                                        .asText()));
            }
            // Workload identity exchanges the pod's service account token: it must be mounted.
            assertThat(Manifests.podSpec(workload)
                            .path("automountServiceAccountToken")
                            .asBoolean())
                    .as("%s mounts its service account token", Manifests.describe(workload))
                    .isTrue();
        }
    }

    @Test
    void onOciEveryServiceAuthenticatesWithCredentialsFromTheSecretAndTheLocalOverlayRunsOpen() {
        Manifests oci = render("oci");
        Map<String, String> env = courierEnv(oci);
        // Authentication is on (the default outside local, dev and test): never switched off, JWTs verified.
        assertThat(env).doesNotContainKey("COURIER_AUTH_ENABLED").containsEntry("COURIER_AUTH_JWT_ENABLED", "true");
        assertThat(env.get("MP_JWT_VERIFY_PUBLICKEY_LOCATION")).startsWith("https://");
        assertThat(env.get("MP_JWT_VERIFY_ISSUER")).isNotBlank();
        // No key or hash in a ConfigMap: they come from the secret only.
        assertThat(env.keySet()).noneMatch(name -> name.contains("API_KEY") || name.contains("SHA256"));
        Map<String, Map.Entry<String, String>> expected = Map.of(
                "accepter", Map.entry("COURIER_ACCEPTER_CACHE_API_KEY", "service-api-key"),
                "listener", Map.entry("COURIER_LISTENER_CACHE_API_KEY", "service-api-key"),
                "cache", Map.entry("COURIER_AUTH_SERVICE_KEY_SHA256", "service-api-key-sha256"));
        for (JsonNode workload : courierWorkloads(oci)) {
            Map.Entry<String, String> wanted = expected.get(component(workload));
            List<JsonNode> variables =
                    Manifests.list(Manifests.containers(workload).get(0).path("env"));
            assertThat(variables)
                    .as(
                            "%s gets %s from secret courier-auth, key %s",
                            Manifests.describe(workload), wanted.getKey(), wanted.getValue())
                    .anyMatch(variable ->
                            wanted.getKey().equals(variable.path("name").asText())
                                    && !variable.has("value")
                                    && "courier-auth"
                                            .equals(variable.path("valueFrom")
                                                    .path("secretKeyRef")
                                                    .path("name")
                                                    .asText())
                                    && wanted.getValue()
                                            .equals(variable.path("valueFrom")
                                                    .path("secretKeyRef")
                                                    .path("key")
                                                    .asText()));
            // Each service has only what it needs: the clients the key, cache-service the hash.
            for (Map.Entry<String, String> other : expected.values()) {
                if (!other.getKey().equals(wanted.getKey())) {
                    assertThat(variables).noneMatch(variable -> other.getKey()
                            .equals(variable.path("name").asText()));
                }
            }
        }

        assertThat(courierEnv(render("local"))).containsEntry("COURIER_AUTH_ENABLED", "false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void kedaScalesTheListenerOnItsGroupsLagNoFurtherThanThePartitions(String overlay) {
        Manifests manifests = render(overlay);
        List<JsonNode> scaled = manifests.ofKind("ScaledObject");
        assertThat(scaled).hasSize(1);
        JsonNode object = scaled.get(0);
        assertThat(object.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
        JsonNode listener = manifests.get(
                "Deployment",
                object.path("spec").path("scaleTargetRef").path("name").asText());
        assertThat(component(listener)).isEqualTo("listener");
        assertThat(listener.path("spec").has("replicas"))
                .as("the listener's replicas are KEDA's, not the manifest's")
                .isFalse();
        JsonNode trigger = object.path("spec").path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        JsonNode metadata = trigger.path("metadata");
        String requests = Repository.serviceProperty("listener", "courier.listener.topics.requests");
        assertThat(metadata.path("consumerGroup").asText())
                .isEqualTo(Repository.serviceProperty("listener", "courier.listener.group-id"));
        assertThat(metadata.path("topic").asText()).isEqualTo(requests);
        int partitions = Repository.topics().get(requests);
        assertThat(object.path("spec").path("maxReplicaCount").asInt())
                .as("listeners beyond the %d partitions of %s would sit idle", partitions, requests)
                .isBetween(1, partitions);
        assertThat(object.path("spec").path("minReplicaCount").asInt())
                .as("a listener always runs: it also releases the delay tiers")
                .isGreaterThanOrEqualTo(1);

        String bootstrap = metadata.path("bootstrapServers").asText();
        if (overlay.equals("local")) {
            // KEDA's operator is in its own namespace: the broker's name qualified by this one.
            String service =
                    courierEnv(manifests).get("KAFKA_BOOTSTRAP_SERVERS").split(":")[0];
            assertThat(bootstrap).startsWith(service + "." + NAMESPACE + ".svc:");
        } else {
            assertThat(bootstrap).isEqualTo(courierEnv(manifests).get("COURIER_OCI_STREAMING_BOOTSTRAP_SERVERS"));
            assertThat(metadata.path("sasl").asText()).isEqualTo("plaintext");
            assertThat(metadata.path("tls").asText()).isEqualTo("enable");
            JsonNode authentication = manifests.get(
                    "TriggerAuthentication",
                    trigger.path("authenticationRef").path("name").asText());
            Map<String, String> parameters = new java.util.TreeMap<>();
            for (JsonNode ref : Manifests.list(authentication.path("spec").path("secretTargetRef"))) {
                assertThat(EXTERNAL_SECRETS).contains(ref.path("name").asText());
                parameters.put(ref.path("parameter").asText(), ref.path("key").asText());
            }
            // The same keys of the same secret as the services' COURIER_OCI_STREAMING_USERNAME / _AUTH_TOKEN.
            assertThat(parameters)
                    .containsExactlyEntriesOf(
                            new java.util.TreeMap<>(Map.of("password", "auth-token", "username", "username")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "oci"})
    void theRulesAndDashboardsAreShippedAsTheFilesThemselves(String overlay) throws Exception {
        Manifests manifests = render(overlay);
        JsonNode rules = manifests.get("ConfigMap", "courier-prometheus-rules");
        assertThat(rules.path("data").path("courier-alerts.yaml").asText())
                .isEqualTo(Repository.read(Repository.OBSERVABILITY.resolve("courier-alerts.yaml")));
        // The same groups for the Prometheus Operator (whose CRDs the ServiceMonitors already need).
        assertThat(manifests.ofKind("ServiceMonitor")).isNotEmpty();
        JsonNode rule = manifests.get("PrometheusRule", "courier-alerts");
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("spec").path("groups"))
                .isEqualTo(new YAMLMapper()
                        .readTree(Repository.OBSERVABILITY
                                .resolve("courier-alerts.yaml")
                                .toFile())
                        .path("groups"));
        JsonNode dashboards = manifests.get("ConfigMap", "courier-grafana-dashboards");
        assertThat(dashboards
                        .path("metadata")
                        .path("labels")
                        .path("grafana_dashboard")
                        .asText())
                .isEqualTo("1");
        List<String> names = new ArrayList<>();
        dashboards.path("data").fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .containsExactlyInAnyOrder(
                        "courier-overview.json",
                        "courier-accepter.json",
                        "courier-listener.json",
                        "courier-cache.json");
        for (String name : names) {
            assertThat(new ObjectMapper()
                            .readTree(dashboards.path("data").path(name).asText()))
                    .isEqualTo(new ObjectMapper()
                            .readTree(Repository.OBSERVABILITY
                                    .resolve("dashboards")
                                    .resolve(name)
                                    .toFile()));
        }
    }

    /** The Courier workloads (accepter, listener, cache writers and readers). */
    private static List<JsonNode> courierWorkloads(Manifests manifests) {
        return manifests.workloads().stream()
                .filter(workload -> COURIER_COMPONENTS.containsKey(component(workload)))
                .toList();
    }

    private static String component(JsonNode workload) {
        return Manifests.podLabels(workload).getOrDefault("app.kubernetes.io/component", "");
    }

    /** quarkus.http.port of the service a Courier workload runs. */
    private static int httpPort(JsonNode workload) {
        return Integer.parseInt(
                Repository.serviceProperty(COURIER_COMPONENTS.get(component(workload)), "quarkus.http.port"));
    }

    /** The environment every Courier container reads (the overlay's courier-env ConfigMap), the same for all. */
    private static Map<String, String> courierEnv(Manifests manifests) {
        Set<String> names = new HashSet<>();
        for (JsonNode workload : courierWorkloads(manifests)) {
            for (JsonNode source :
                    Manifests.list(Manifests.containers(workload).get(0).path("envFrom"))) {
                names.add(source.path("configMapRef").path("name").asText());
            }
        }
        assertThat(names).as("ConfigMaps the Courier containers read").hasSize(1);
        return Manifests.strings(
                manifests.get("ConfigMap", names.iterator().next()).path("data"));
    }

    /** Bytes of a Kubernetes quantity such as {@code 512Mi} or {@code 1Gi}. */
    static long bytes(String quantity) {
        Matcher matcher = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(quantity);
        assertThat(matcher.matches()).as("memory quantity %s", quantity).isTrue();
        long value = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "" : matcher.group(2);
        return switch (unit) {
            case "Ki" -> value << 10;
            case "Mi" -> value << 20;
            case "Gi" -> value << 30;
            default -> value;
        };
    }

    /** The largest heap the JVM options give under a container limit of {@code limit} bytes; 0 if they set none. */
    static long maxHeap(String options, long limit) {
        Matcher xmx = Pattern.compile("-Xmx(\\d+)([kmgKMG]?)").matcher(options);
        if (xmx.find()) {
            long value = Long.parseLong(xmx.group(1));
            return switch (xmx.group(2).toLowerCase(java.util.Locale.ROOT)) {
                case "k" -> value << 10;
                case "m" -> value << 20;
                case "g" -> value << 30;
                default -> value;
            };
        }
        Matcher percentage =
                Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)").matcher(options);
        return percentage.find() ? (long) (limit * Double.parseDouble(percentage.group(1)) / 100) : 0;
    }
}
