package dev.courier.listener.config;

import java.util.List;
import java.util.Optional;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.courier.common.secret.HeaderKeys;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.common.secret.SensitiveHeaders;
import io.quarkus.runtime.Startup;
import org.jboss.logging.Logger;

/**
 * How the listener opens sealed header values, from {@code courier.listener.header-encryption.*}. The listener only
 * opens: it opens every sealed value whatever its header, so it needs no list of sensitive names.
 */
public class HeaderSealingProducer {
    private static final Logger LOG = Logger.getLogger(HeaderSealingProducer.class);
    private static final String KEYS = "courier.listener.header-encryption.keys";

    /** Built at start-up: malformed keys stop the service, naming the setting (never the key material). */
    @Produces
    @Singleton
    @Startup
    SealedHeaders sealedHeaders(ListenerConfig config) {
        Optional<HeaderKeys> keys = config.headerEncryption().keys().map(entries -> HeaderKeys.parse(entries, KEYS));
        if (keys.isPresent()) {
            LOG.infof("sealed header values are opened with %s", keys.get());
        } else {
            LOG.warnf("%s is not set: an invocation with a sealed header value will be rejected", KEYS);
        }
        return new SealedHeaders(keys, SensitiveHeaders.of(List.of()));
    }
}
