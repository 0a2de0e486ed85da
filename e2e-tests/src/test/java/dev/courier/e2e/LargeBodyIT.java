package dev.courier.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The claim check through a local directory shared by the accepter and the listener (the default store). */
class LargeBodyIT extends LargeBodyScenario {
    private Path objects;

    @Override
    Map<String, String> objectStore(String service) throws Exception {
        if (objects == null) {
            objects = Files.createTempDirectory("courier-large-body-it");
        }
        return Map.of("courier." + service + ".object-store.directory", objects.toString());
    }

    @Override
    boolean stored(String name) {
        return Files.exists(objects.resolve(name));
    }
}
