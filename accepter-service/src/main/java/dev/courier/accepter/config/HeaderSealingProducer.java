package dev.courier.accepter.config;

import java.util.List;
import java.util.Optional;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.common.secret.HeaderKeys;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.secret.SensitiveHeaders;
import io.quarkus.runtime.Startup;
import org.jboss.logging.Logger;

/** How the accepter seals sensitive header values, from {@code courier.accepter.header-encryption.*}. */
public class HeaderSealingProducer {
    private static final Logger LOG = Logger.getLogger(HeaderSealingProducer.class);
    private static final String KEYS = "courier.accepter.header-encryption.keys";

    /** Built at start-up: malformed keys stop the service, naming the setting (never the key material). */
    @Produces
    @Singleton
    @Startup
    SealedHeaders sealedHeaders(AccepterConfig config) {
        SensitiveHeaders sensitive =
                SensitiveHeaders.of(config.sensitiveHeaders().orElse(List.of()));
        Optional<HeaderKeys> keys = config.headerEncryption().keys().map(entries -> HeaderKeys.parse(entries, KEYS));
        if (keys.isPresent()) {
            LOG.infof("sensitive header values %s are sealed with %s", sensitive, keys.get());
        } else {
            LOG.warnf(
                    "%s is not set: requests with sensitive headers %s are refused, as they cannot be stored sealed",
                    KEYS, sensitive);
        }
        return new SealedHeaders(keys, sensitive);
    }
}
