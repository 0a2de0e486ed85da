package dev.courier.cache;

import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * A state directory and a snapshot directory of their own for every start of the application under test, whatever
 * the test class (a global resource: Quarkus starts it with every application).
 *
 * <p>Why: the {@code %test} directories are named by {@code ${quarkus.uuid}}, which is one per JVM as long as the
 * test profile stays the same, not one per start. Test classes with resources of their own each start the application
 * on a new broker, and an instance goes on from the state on disk: the second one would find the first one's state,
 * at positions its new log does not hold, and refuse to start (or, before that check, serve the earlier test's
 * entries and statuses).
 */
@WithTestResource(value = FreshStateResource.class, scope = TestResourceScope.GLOBAL)
public class FreshStateResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String start = UUID.randomUUID().toString();
        return Map.of(
                "courier.cache.state.directory", "target/state/" + start,
                "courier.cache.object-store.directory", "target/objects/" + start);
    }

    @Override
    public void stop() {}
}
