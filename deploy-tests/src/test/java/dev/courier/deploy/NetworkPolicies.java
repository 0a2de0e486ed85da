package dev.courier.deploy;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kubernetes NetworkPolicy semantics for ingress, evaluated over a render: a pod that no policy selects takes every
 * connection; a selected pod takes a connection only when one of its policies' ingress rules admits both the source
 * and the port. Enough to tell who may reach whom; what a real CNI adds (enforcement) is a cluster's.
 */
final class NetworkPolicies {
    private NetworkPolicies() {}

    /**
     * A pod that opens a connection.
     *
     * @param namespace its namespace
     * @param labels its labels
     */
    record Source(String namespace, Map<String, String> labels) {
        Map<String, String> namespaceLabels() {
            return Map.of("kubernetes.io/metadata.name", namespace);
        }
    }

    /** Whether {@code source} may connect to {@code port} of the pods of {@code target} (in {@code namespace}). */
    static boolean admits(Manifests manifests, String namespace, Source source, JsonNode target, int port) {
        Map<String, String> targetLabels = Manifests.podLabels(target);
        List<JsonNode> selecting = manifests.ofKind("NetworkPolicy").stream()
                .filter(policy -> governsIngress(policy)
                        && Manifests.matches(policy.path("spec").path("podSelector"), targetLabels))
                .toList();
        if (selecting.isEmpty()) {
            return true;
        }
        for (JsonNode policy : selecting) {
            for (JsonNode rule : Manifests.list(policy.path("spec").path("ingress"))) {
                if (portAdmitted(rule.path("ports"), target, port)
                        && sourceAdmitted(rule.path("from"), namespace, source)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean governsIngress(JsonNode policy) {
        JsonNode types = policy.path("spec").path("policyTypes");
        // Without policyTypes a policy governs ingress (and egress only if it has egress rules).
        return types.isMissingNode()
                || Manifests.list(types).stream().anyMatch(type -> "Ingress".equals(type.asText()));
    }

    private static boolean portAdmitted(JsonNode ports, JsonNode target, int port) {
        if (ports.isMissingNode() || ports.isEmpty()) {
            return true;
        }
        for (JsonNode allowed : Manifests.list(ports)) {
            JsonNode value = allowed.path("port");
            if (value.isMissingNode()) {
                return true;
            }
            for (JsonNode container : Manifests.containers(target)) {
                if (Manifests.containerPort(container, value).orElse(-1) == port) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean sourceAdmitted(JsonNode from, String namespace, Source source) {
        if (from.isMissingNode() || from.isEmpty()) {
            return true;
        }
        for (JsonNode peer : Manifests.list(from)) {
            JsonNode pods = peer.path("podSelector");
            JsonNode namespaces = peer.path("namespaceSelector");
            if (pods.isMissingNode() && namespaces.isMissingNode()) {
                continue; // an ipBlock: addresses outside the cluster, not pods
            }
            boolean namespaceOk = namespaces.isMissingNode()
                    ? source.namespace().equals(namespace)
                    : Manifests.matches(namespaces, source.namespaceLabels());
            boolean podOk = pods.isMissingNode() || Manifests.matches(pods, source.labels());
            if (namespaceOk && podOk) {
                return true;
            }
        }
        return false;
    }
}
