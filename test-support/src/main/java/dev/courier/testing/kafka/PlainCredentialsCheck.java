package dev.courier.testing.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;

/**
 * The broker side of SASL PLAIN on {@link EmbeddedKafkaBroker}'s {@code SASL_SSL} listener: accepts exactly one user
 * name and password, given as options of the listener's JAAS entry. Kafka's own check wants {@code user_<name>} options,
 * and an OCI Streaming user name ({@code tenancy/user/ocid1.streampool...}) cannot be a JAAS option name.
 */
public class PlainCredentialsCheck implements AuthenticateCallbackHandler {
    /** JAAS option: the accepted user name. */
    static final String USERNAME_OPTION = "courier_username";
    /** JAAS option: its password. */
    static final String PASSWORD_OPTION = "courier_password";

    private String username;
    private byte[] password;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        username = (String) options.get(USERNAME_OPTION);
        password = ((String) options.get(PASSWORD_OPTION)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        String given = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                given = name.getDefaultName();
            } else if (callback instanceof PlainAuthenticateCallback plain) {
                byte[] offered = new String(plain.password()).getBytes(StandardCharsets.UTF_8);
                plain.authenticated(username.equals(given) && MessageDigest.isEqual(password, offered));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    @Override
    public void close() {}
}
