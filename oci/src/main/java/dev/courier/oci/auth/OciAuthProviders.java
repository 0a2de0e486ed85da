package dev.courier.oci.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.oracle.bmc.ConfigFileReader;
import com.oracle.bmc.Region;
import com.oracle.bmc.auth.BasicAuthenticationDetailsProvider;
import com.oracle.bmc.auth.ConfigFileAuthenticationDetailsProvider;
import com.oracle.bmc.auth.InstancePrincipalsAuthenticationDetailsProvider;
import com.oracle.bmc.auth.RegionProvider;
import com.oracle.bmc.auth.ResourcePrincipalAuthenticationDetailsProvider;
import com.oracle.bmc.auth.SimpleAuthenticationDetailsProvider;
import com.oracle.bmc.auth.StringPrivateKeySupplier;
import com.oracle.bmc.auth.okeworkloadidentity.OkeWorkloadIdentityAuthenticationDetailsProvider;

/**
 * Builds the SDK's authentication provider from a service's {@link OciAuthSettings}, and checks what can be checked
 * before the first call: required settings present, OCIDs of the right kind, a known region, a private key the SDK
 * can read and whose fingerprint is the configured one, a principal that the environment actually provides. Every
 * failure is an {@link OciAuthConfigException} naming the setting(s) under the service's configuration prefix.
 *
 * <p>Principals (instance, resource, workload identity) contact or read what only exists on OCI; off OCI they fail,
 * and that failure is what a start-up shows. The instance metadata service is tried with the SDK's own retries, which
 * can take a minute or more where there is none.
 */
public final class OciAuthProviders {
    private final String prefix;

    /**
     * @param settingPrefix the configuration prefix of the settings, used in messages, e.g.
     *     {@code courier.listener.oci.auth}
     */
    public OciAuthProviders(String settingPrefix) {
        this.prefix = settingPrefix;
    }

    /** The provider the settings describe; fails with a message naming what to fix. */
    public BasicAuthenticationDetailsProvider create(OciAuthSettings settings) {
        if (settings.region() != null && settings.type() != OciAuthType.SIMPLE) {
            region(settings.region());
        }
        return switch (settings.type()) {
            case SIMPLE -> simple(settings);
            case CONFIG_FILE -> configFile(settings);
            case INSTANCE_PRINCIPAL -> instancePrincipal(settings);
            case RESOURCE_PRINCIPAL -> resourcePrincipal();
            case WORKLOAD_IDENTITY -> workloadIdentity();
        };
    }

    /**
     * The region service endpoints are derived from: the configured one, else the one the provider knows (config file,
     * instance metadata, resource principal environment), if any.
     */
    public Optional<Region> region(BasicAuthenticationDetailsProvider provider, OciAuthSettings settings) {
        if (settings.region() != null) {
            return Optional.of(region(settings.region()));
        }
        if (provider instanceof RegionProvider regional) {
            return Optional.ofNullable(regional.getRegion());
        }
        return Optional.empty();
    }

    /** The full name of a setting, e.g. {@code courier.listener.oci.auth.tenancy}. */
    public String setting(String name) {
        return prefix + "." + name;
    }

    private BasicAuthenticationDetailsProvider simple(OciAuthSettings settings) {
        List<String> missing = new ArrayList<>();
        requireSet(settings.tenancy(), "tenancy", missing);
        requireSet(settings.user(), "user", missing);
        requireSet(settings.fingerprint(), "fingerprint", missing);
        requireSet(settings.region(), "region", missing);
        boolean inlineKey = isSet(settings.privateKey());
        if (!inlineKey && settings.privateKeyFile() == null) {
            missing.add(setting("private-key"));
        }
        if (!missing.isEmpty()) {
            throw new OciAuthConfigException(
                    missing,
                    "OCI auth type simple needs " + String.join(", ", missing)
                            + (missing.contains(setting("private-key"))
                                    ? " (the key as PEM text, or its file in " + setting("private-key-file") + ")"
                                    : ""));
        }
        if (inlineKey && settings.privateKeyFile() != null) {
            throw invalid("private-key", "set either it or " + setting("private-key-file") + ", not both");
        }
        requireOcid(settings.tenancy(), "tenancy", "tenancy");
        requireOcid(settings.user(), "user", "user");
        Region region = region(settings.region());

        byte[] pem;
        String keySetting;
        if (inlineKey) {
            keySetting = "private-key";
            pem = ApiSigningKey.pemBytes(settings.privateKey());
        } else {
            keySetting = "private-key-file";
            pem = readKeyFile(settings.privateKeyFile(), keySetting);
        }
        checkKey(pem, settings.passphrase(), settings.fingerprint().strip(), keySetting);

        SimpleAuthenticationDetailsProvider.SimpleAuthenticationDetailsProviderBuilder builder =
                SimpleAuthenticationDetailsProvider.builder()
                        .tenantId(settings.tenancy().strip())
                        .userId(settings.user().strip())
                        .fingerprint(settings.fingerprint().strip())
                        .region(region)
                        .privateKeySupplier(new StringPrivateKeySupplier(
                                new String(pem, java.nio.charset.StandardCharsets.US_ASCII)));
        if (settings.passphrase() != null) {
            builder.passphraseCharacters(settings.passphrase().toCharArray());
        }
        return builder.build();
    }

    private BasicAuthenticationDetailsProvider configFile(OciAuthSettings settings) {
        String path = settings.configFile() == null
                ? ConfigFileReader.DEFAULT_FILE_PATH
                : settings.configFile().toString();
        String profile = isSet(settings.profile()) ? settings.profile().strip() : "DEFAULT";
        ConfigFileAuthenticationDetailsProvider provider;
        try {
            provider = new ConfigFileAuthenticationDetailsProvider(path, profile);
        } catch (IOException e) {
            throw invalid("config-file", "cannot read the OCI configuration file " + path + " (" + e + ")");
        } catch (IllegalArgumentException e) {
            throw invalid("profile", firstLine(e.getMessage()) + " (" + path + ")");
        } catch (RuntimeException e) {
            // The SDK reports a profile without user, tenancy or fingerprint as a NullPointerException.
            throw invalid("config-file", "profile " + profile + " of " + path + ": " + firstLine(e.getMessage()));
        }
        byte[] pem;
        try (InputStream in = provider.getPrivateKey()) {
            pem = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw invalid(
                    "config-file",
                    "profile " + profile + " of " + path + ": cannot read its key_file (" + firstLine(e.getMessage())
                            + ")");
        }
        checkKey(pem, provider.getPassPhrase(), provider.getFingerprint(), "config-file");
        return provider;
    }

    private BasicAuthenticationDetailsProvider instancePrincipal(OciAuthSettings settings) {
        InstancePrincipalsAuthenticationDetailsProvider.InstancePrincipalsAuthenticationDetailsProviderBuilder builder =
                InstancePrincipalsAuthenticationDetailsProvider.builder();
        if (isSet(settings.metadataBaseUrl())) {
            builder.metadataBaseUrl(settings.metadataBaseUrl().strip());
        }
        if (settings.metadataRetries() != null) {
            if (settings.metadataRetries() < 0) {
                throw invalid("metadata-retries", "must be 0 or more, not " + settings.metadataRetries());
            }
            builder.detectEndpointRetries(settings.metadataRetries());
        }
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new OciAuthConfigException(
                    List.of(setting("type")),
                    "OCI auth type instance-principal: could not get this instance's identity from the instance"
                            + " metadata service (" + firstLine(e.getMessage()) + "). Instance principals work only on"
                            + " an OCI compute instance; elsewhere use config-file or simple.",
                    e);
        }
    }

    private BasicAuthenticationDetailsProvider resourcePrincipal() {
        try {
            return ResourcePrincipalAuthenticationDetailsProvider.builder().build();
        } catch (RuntimeException e) {
            throw new OciAuthConfigException(
                    List.of(setting("type")),
                    "OCI auth type resource-principal: this environment provides no resource principal ("
                            + firstLine(e.getMessage()) + "). OCI sets OCI_RESOURCE_PRINCIPAL_VERSION and its"
                            + " companions inside Functions and Container Instances.",
                    e);
        }
    }

    private BasicAuthenticationDetailsProvider workloadIdentity() {
        try {
            return OkeWorkloadIdentityAuthenticationDetailsProvider.builder().build();
        } catch (RuntimeException e) {
            throw new OciAuthConfigException(
                    List.of(setting("type")),
                    "OCI auth type workload-identity: this is not a pod with OKE workload identity ("
                            + firstLine(e.getMessage()) + "). It needs the pod's service account token and"
                            + " certificate and KUBERNETES_SERVICE_HOST, on an OKE enhanced cluster.",
                    e);
        }
    }

    /** Decodes the key the way the SDK will and compares its fingerprint with the configured one. */
    private void checkKey(byte[] pem, String passphrase, String fingerprint, String keySetting) {
        RSAPrivateKey key;
        try {
            key = ApiSigningKey.decode(pem, passphrase);
        } catch (IllegalArgumentException e) {
            throw invalid(keySetting, "the private key " + e.getMessage());
        }
        Optional<String> actual = ApiSigningKey.fingerprint(key);
        if (actual.isPresent() && !actual.get().equalsIgnoreCase(fingerprint.strip())) {
            throw invalid(
                    keySetting.equals("config-file") ? "config-file" : "fingerprint",
                    "the fingerprint " + fingerprint + " is not the private key's (" + actual.get()
                            + "): the key or the fingerprint is the wrong one");
        }
    }

    private byte[] readKeyFile(Path file, String keySetting) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw invalid(
                    keySetting, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Region region(String value) {
        try {
            return Region.fromRegionCodeOrId(value.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(
                    "region", "unknown region '" + value + "' (a region id like us-ashburn-1 or a code like iad)");
        }
    }

    private void requireOcid(String value, String name, String kind) {
        if (!value.strip().startsWith("ocid1." + kind + ".")) {
            throw invalid(name, "'" + value + "' is not a " + kind + " OCID (ocid1." + kind + ".…)");
        }
    }

    private void requireSet(String value, String name, List<String> missing) {
        if (!isSet(value)) {
            missing.add(setting(name));
        }
    }

    private OciAuthConfigException invalid(String name, String problem) {
        return new OciAuthConfigException(List.of(setting(name)), setting(name) + ": " + problem);
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
