package dev.courier.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The objects of one rendered overlay ({@code kubectl kustomize}), with the look-ups the tests need: by kind and name,
 * the pod template of a workload, and Kubernetes label-selector matching.
 */
final class Manifests {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> WORKLOAD_KINDS = List.of("Deployment", "StatefulSet");

    private final String overlay;
    private final List<JsonNode> objects;

    private Manifests(String overlay, List<JsonNode> objects) {
        this.overlay = overlay;
        this.objects = objects;
    }

    /** Renders {@code deploy/k8s/overlays/<overlay>} with the kubectl on PATH. */
    static Manifests render(String overlay) {
        String kubectl = Repository.onPath("kubectl").orElseThrow().toString();
        // kubectl kustomize is offline; without a kubeconfig kubectl would talk to localhost:8080 (the accepter's
        // port on a developer's machine) for any command that does reach a server, so never leave it to chance.
        String yaml = Tool.succeed(
                Repository.ROOT,
                kubectl,
                "kustomize",
                Repository.K8S.resolve("overlays").resolve(overlay).toString(),
                "--kubeconfig=/dev/null",
                "--server=https://127.0.0.1:1");
        return parse(overlay, yaml);
    }

    static Manifests parse(String overlay, String yaml) {
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(yaml)) {
            List<JsonNode> objects = new ArrayList<>();
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                if (object != null && !object.isNull() && !object.isEmpty()) {
                    objects.add(object);
                }
            }
            return new Manifests(overlay, objects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String overlay() {
        return overlay;
    }

    List<JsonNode> all() {
        return objects;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name)
                .orElseThrow(() -> new AssertionError(overlay + ": no " + kind + " named " + name + " in the render"));
    }

    /** Deployments and StatefulSets. */
    List<JsonNode> workloads() {
        return objects.stream()
                .filter(o -> WORKLOAD_KINDS.contains(o.path("kind").asText()))
                .toList();
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    static String describe(JsonNode object) {
        return object.path("kind").asText() + "/" + name(object);
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    static Map<String, String> podLabels(JsonNode workload) {
        return strings(workload.path("spec").path("template").path("metadata").path("labels"));
    }

    static List<JsonNode> containers(JsonNode workload) {
        return list(podSpec(workload).path("containers"));
    }

    /** The workloads whose pods {@code selector} (a label selector, or a Service's plain label map) selects. */
    List<JsonNode> workloadsSelectedBy(JsonNode selector) {
        return workloads().stream()
                .filter(workload -> matches(selector, podLabels(workload)))
                .toList();
    }

    /**
     * Whether {@code selector} selects {@code labels}: a Service's plain map, or a label selector with
     * {@code matchLabels} and {@code matchExpressions} (In, NotIn, Exists, DoesNotExist). An empty selector selects
     * all.
     */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        boolean structured = selector.has("matchLabels") || selector.has("matchExpressions");
        Map<String, String> required = strings(structured ? selector.path("matchLabels") : selector);
        for (Map.Entry<String, String> entry : required.entrySet()) {
            if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                return false;
            }
        }
        for (JsonNode expression : list(selector.path("matchExpressions"))) {
            String key = expression.path("key").asText();
            List<String> values = list(expression.path("values")).stream()
                    .map(JsonNode::asText)
                    .toList();
            boolean ok =
                    switch (expression.path("operator").asText()) {
                        case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
                        case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
                        case "Exists" -> labels.containsKey(key);
                        case "DoesNotExist" -> !labels.containsKey(key);
                        default -> throw new AssertionError("unknown selector operator in " + expression);
                    };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static Map<String, String> strings(JsonNode map) {
        Map<String, String> result = new LinkedHashMap<>();
        map.fields()
                .forEachRemaining(
                        entry -> result.put(entry.getKey(), entry.getValue().asText()));
        return result;
    }

    static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    /** The value of environment variable {@code name} of {@code container}, if it is set literally. */
    static Optional<String> env(JsonNode container, String name) {
        return list(container.path("env")).stream()
                .filter(variable -> name.equals(variable.path("name").asText()) && variable.has("value"))
                .map(variable -> variable.path("value").asText())
                .findFirst();
    }

    /** The container port that {@code port} (a number, or a port name) refers to in {@code container}, if any. */
    static Optional<Integer> containerPort(JsonNode container, JsonNode port) {
        return list(container.path("ports")).stream()
                .filter(p -> port.isInt()
                        ? p.path("containerPort").asInt() == port.asInt()
                        : port.asText().equals(p.path("name").asText()))
                .map(p -> p.path("containerPort").asInt())
                .findFirst();
    }
}
