package dev.courier.accepter.replay;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.config.AssignedConsumers;
import dev.courier.accepter.intake.RequestAcceptor;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.accepter.tenancy.TenantPolicies;
import dev.courier.cacheclient.CacheServiceClient;
import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.common.cache.CacheNamespaces;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.oci.storage.ClaimCheck;
import io.smallrye.common.annotation.Identifier;
import org.jboss.logging.Logger;

/**
 * The replays of this replica: starts them in the background, each on a thread of its own, and keeps their progress
 * in cache-service ({@code courier.replays}), so that {@code GET /v1/replays/{id}} answers on every replica.
 *
 * <p>A replay runs only on the replica that took it. A replica that stops ends its replays {@code FAILED} if it can
 * still say so; one that is killed leaves {@code RUNNING} with an {@code updatedAt} that no longer moves. Either way
 * the same replay, POSTed again with its id, goes on where it stopped: what was enqueued already is not enqueued again.
 */
@ApplicationScoped
public class Replays {
    private static final Logger LOG = Logger.getLogger(Replays.class);

    /**
     * The waits before the second and later tries of a run's last progress: 1 + 2 + 3 + 4 = 10 s at most between five
     * tries (each try waits up to the accept timeout for cache-service's answer as well).
     */
    static final List<Duration> LAST_WRITE_BACKOFF =
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4));

    private final RequestAcceptor acceptor;
    private final TenantPolicies policies;
    private final ClaimCheck claimCheck;
    private final SealedHeaders sealing;
    private final ObjectMapper mapper;
    private final CacheServiceClient cache;
    private final ReplayConfig config;
    private final Map<String, Object> consumerConfig;
    private final Duration acceptTimeout;
    private final Map<String, ReplayRun> running = new ConcurrentHashMap<>();
    private final ExecutorService runs;

    public Replays(
            RequestAcceptor acceptor,
            TenantPolicies policies,
            SealedHeaders sealing,
            ClaimCheck claimCheck,
            ObjectMapper mapper,
            CacheServiceClient cache,
            AccepterConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.acceptor = acceptor;
        this.policies = policies;
        this.sealing = sealing;
        this.claimCheck = claimCheck;
        this.mapper = mapper;
        this.cache = cache;
        this.config = config.replay();
        this.consumerConfig = consumerConfig(kafka);
        // An acceptance waits for cache-service (the idempotency key, claimed and marked) and for Kafka.
        this.acceptTimeout = config.publishTimeout().plus(config.statusTimeout().multipliedBy(3));
        this.runs = Executors.newFixedThreadPool(this.config.maxRunning(), runnable -> {
            Thread thread = new Thread(runnable, "courier-replay");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Where {@code tenant}'s replay {@code id} is kept, here and in {@code courier.replays}: the id itself for the
     * default tenant (as before tenants existed), {@code <tenant>~<id>} for the others, so that two tenants' replays of
     * one id are two replays.
     */
    private String key(String id, String tenant) {
        return tenant.equals(acceptor.defaultTenant()) ? id : tenant + "~" + id;
    }

    /** Consumer settings: the shared {@code kafka.*} ones; no group (partitions are assigned), nothing committed. */
    static Map<String, Object> consumerConfig(Map<String, Object> kafka) {
        return AssignedConsumers.settings(kafka, "courier-accepter-replay", "none");
    }

    /**
     * Starts {@code spec} for {@code tenant} in the background and answers its first progress: it replays that
     * tenant's failures only, to a target the tenant's policy allows (403 otherwise). A replay of the tenant's with the
     * same id already running here is a 409; more than {@code max-running} at once a 503.
     */
    public ReplayProgress start(ReplaySpec spec, String tenant) {
        policies.checkTarget(spec.target(), tenant);
        String key = key(spec.id(), tenant);
        ReplayRun run = new ReplayRun(
                spec,
                tenant,
                acceptor.defaultTenant(),
                config.failuresTopic(),
                consumerConfig,
                acceptor,
                sealing,
                claimCheck,
                mapper,
                config.batchSize(),
                acceptTimeout,
                config.progressInterval(),
                progress -> write(key, progress, progress.state() != ReplayState.RUNNING));
        synchronized (running) {
            ReplayRun earlier = running.get(key);
            if (earlier != null && earlier.running()) {
                throw RequestProblem.conflict("replay " + spec.id() + " is running; wait for it to end");
            }
            if (running.values().stream().filter(ReplayRun::running).count() >= config.maxRunning()) {
                throw RequestProblem.unavailable(
                        config.maxRunning()
                                + " replays are running on this replica (courier.accepter.replay.max-running); try again later");
            }
            running.put(key, run);
        }
        ReplayProgress first = run.progress();
        runs.execute(() -> {
            try {
                write(key, first, false);
                run.run();
            } finally {
                running.remove(key, run);
            }
        });
        return first;
    }

    /**
     * The progress of {@code tenant}'s replay {@code id}: this replica's own if it runs it, else the last one written to
     * cache-service by the replica that ran it; empty if there is none (another tenant's replay of that id is none).
     */
    public CompletionStage<Optional<ReplayProgress>> progress(String id, String tenant) {
        String key = key(id, tenant);
        ReplayRun here = running.get(key);
        if (here != null) {
            return CompletableFuture.completedFuture(Optional.of(here.progress()));
        }
        return cache.get(CacheNamespaces.REPLAYS, key)
                .exceptionally(error -> {
                    throw RequestProblem.unavailable("replay progress is unavailable (cache-service); try again");
                })
                .thenApply(reply -> {
                    if (reply.status() == 404) {
                        return Optional.<ReplayProgress>empty();
                    }
                    if (reply.status() != 200) {
                        throw RequestProblem.unavailable("replay progress is unavailable (cache-service); try again");
                    }
                    try {
                        return Optional.of(mapper.readValue(reply.body(), ReplayProgress.class));
                    } catch (IOException e) {
                        throw RequestProblem.unavailable("unreadable replay progress");
                    }
                });
    }

    /**
     * Writes {@code progress} to cache-service. Progress on the way is best effort (the next write follows within the
     * interval); the last one is tried a few times, since it is what every other replica will answer from then on.
     *
     * <p>Runs only on this class's own {@code courier-replay} threads (the start in {@link #start}, and every
     * progress report of a {@link ReplayRun}, which runs there), never on an event loop or a request's worker thread:
     * waiting for cache-service's answer and between tries blocks no one else.
     */
    private void write(String key, ReplayProgress progress, boolean last) {
        byte[] document;
        try {
            document = mapper.writeValueAsBytes(progress);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int tries = last ? LAST_WRITE_BACKOFF.size() + 1 : 1;
        for (int i = 0; i < tries; i++) {
            if (i > 0 && !backOff(LAST_WRITE_BACKOFF.get(i - 1))) {
                return;
            }
            try {
                int status = cache.put(CacheNamespaces.REPLAYS, key, document, config.retention(), Precondition.NONE)
                        .toCompletableFuture()
                        .get(acceptTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .status();
                if (status / 100 == 2) {
                    return;
                }
                LOG.debugf("replay %s: progress not stored (cache-service answered %d)", progress.id(), status);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.debugf("replay %s: progress not stored (%s)", progress.id(), e.toString());
            }
        }
        if (last) {
            LOG.warnf(
                    "replay %s ended %s, and cache-service did not take its last progress; other replicas show an"
                            + " older one",
                    progress.id(), progress.state());
        }
    }

    /**
     * Waits {@code delay} before the next try; false if the thread was interrupted meanwhile ({@link #close} gave up
     * waiting for the runs), and then no further try is made.
     */
    private static boolean backOff(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @PreDestroy
    void close() {
        running.values().forEach(ReplayRun::stop);
        runs.shutdown();
        try {
            if (!runs.awaitTermination(10, TimeUnit.SECONDS)) {
                // A run still writing its last progress (cache-service not answering): interrupt its wait; the
                // replay stays RUNNING in cache-service and is resumed by POSTing it again.
                runs.shutdownNow();
            }
        } catch (InterruptedException e) {
            runs.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
