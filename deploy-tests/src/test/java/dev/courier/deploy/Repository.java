package dev.courier.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** Files of this repository that the deploy tests hold the manifests to: topics, service settings, tools on PATH. */
final class Repository {
    /** The repository root (surefire sets {@code courier.repository}; from the module directory otherwise). */
    static final Path ROOT = Path.of(System.getProperty("courier.repository", ".."))
            .toAbsolutePath()
            .normalize();

    static final Path K8S = ROOT.resolve("deploy/k8s");
    static final Path OBSERVABILITY = K8S.resolve("base/observability");

    private Repository() {}

    /** The topics of {@code deploy/local/topics.conf} with their partition counts, in file order. */
    static Map<String, Integer> topics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (String line : lines(ROOT.resolve("deploy/local/topics.conf"))) {
            String content = line.replaceFirst("#.*", "").trim();
            if (content.isEmpty()) {
                continue;
            }
            String[] fields = content.split("\\s+");
            if (fields.length != 2) {
                throw new IllegalStateException("topics.conf: expected '<topic> <partitions>', got '" + line + "'");
            }
            topics.put(fields[0], Integer.parseInt(fields[1]));
        }
        return topics;
    }

    /** A property of a service's {@code application.properties} (no profile), e.g. {@code quarkus.http.port}. */
    static String serviceProperty(String component, String key) {
        Path file = ROOT.resolve(component + "-service/src/main/resources/application.properties");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalStateException(key + " is not set in " + file);
        }
        return value;
    }

    /** The executable {@code name} on PATH, if there is one. */
    static Optional<Path> onPath(String name) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
