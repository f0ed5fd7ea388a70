package io.comq.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comq.cluster.ClusterConfig;
import io.comq.server.ServiceSettings;
import io.micronaut.context.annotation.ConfigurationProperties;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every {@code COMQ_*} environment variable that the deployment files (compose, smoke script, Dockerfiles, Kubernetes
 * manifests) and the docs set names a setting the service really reads: in Micronaut's mapping
 * ({@code COMQ_AUTH_TOKEN_FILE -> comq.auth.token-file}) it must be a property of one of the service's
 * {@code @ConfigurationProperties} classes, a key of {@code application.yml} or a {@code comq.cluster.*} key. A
 * misspelt variable is otherwise silently ignored (or worse, bound into a map such as {@code comq.auth.tokens}).
 */
class EnvKeysTest {

    private static final Pattern ENV = Pattern.compile("\\bCOMQ_[A-Z0-9_]*[A-Z0-9]\\b");
    /** Set by CI scripts for tests, not read by the service. */
    /** Variables that are not Micronaut settings: the tests' database, and the engine's math mode. */
    private static final Set<String> NOT_SETTINGS = Set.of("COMQ_TEST_POSTGRES_URL", "COMQ_MATH");
    /** The S3 store's settings, which arrive with the S3 store itself. */
    private static final String S3 = "comq.store.s3.";

    @Test
    void everyComqVariableInTheDeploymentFilesIsASettingTheServiceReads() throws Exception {
        Path root = root();
        Set<String> known = knownProperties();
        assertTrue(known.contains("comq.auth.token.file") && known.contains("comq.data.dir")
                && known.contains("comq.store.type") && known.contains("comq.cluster.min.parameters"), known::toString);

        Map<String, List<String>> used = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        for (String d : List.of("deploy", "k8s", "docs")) {
            if (Files.isDirectory(root.resolve(d))) {
                try (Stream<Path> s = Files.walk(root.resolve(d))) {
                    s.filter(Files::isRegularFile).forEach(files::add);
                }
            }
        }
        files.add(root.resolve("README.md"));
        for (Path f : files) {
            Matcher m = ENV.matcher(Files.readString(f));
            while (m.find()) {
                used.computeIfAbsent(m.group(), k -> new ArrayList<>()).add(root.relativize(f).toString());
            }
        }
        assertTrue(used.containsKey("COMQ_AUTH_TOKEN_FILE"), "the manifests set the token file: " + used.keySet());

        Map<String, List<String>> unknown = new TreeMap<>();
        Set<String> s3Pending = new TreeSet<>();
        boolean s3InBuild = known.stream().anyMatch(k -> k.startsWith(S3));
        for (Map.Entry<String, List<String>> e : used.entrySet()) {
            String property = e.getKey().toLowerCase(java.util.Locale.ROOT).replace('_', '.');
            if (NOT_SETTINGS.contains(e.getKey()) || known.contains(property)) {
                continue;
            }
            if (!s3InBuild && property.startsWith(S3)) {
                s3Pending.add(e.getKey());
            } else {
                unknown.put(e.getKey(), e.getValue());
            }
        }
        assertTrue(unknown.isEmpty(), "environment variables that name no setting of the service (variable -> files): "
                + unknown + "; known settings: " + known);
        assumeTrue(s3Pending.isEmpty(), "this build has no S3 store settings (comq.store.s3.*), so " + s3Pending
                + " were not checked");
    }

    /** The service's settings, with '-' and '_' written as '.' (how Micronaut matches environment variables). */
    static Set<String> knownProperties() throws Exception {
        Set<String> known = new TreeSet<>();
        Path classes = Path.of(ServiceSettings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> s = Files.walk(classes.resolve("io/comq"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, EnvKeysTest.class.getClassLoader());
                String prefix = prefix(c);
                if (prefix == null) {
                    continue;
                }
                if (c.isRecord()) {
                    for (RecordComponent rc : c.getRecordComponents()) {
                        known.add(prefix + "." + dotted(rc.getName()));
                    }
                } else {
                    for (Method m : c.getMethods()) {
                        if (m.getName().startsWith("set") && m.getParameterCount() == 1
                                && !Modifier.isStatic(m.getModifiers())) {
                            known.add(prefix + "." + dotted(m.getName().substring(3)));
                        }
                    }
                }
            }
        }
        for (String k : ClusterConfig.DEFAULTS.keySet()) {
            known.add("comq.cluster." + k.replace('-', '.'));
        }
        try (var in = ServiceSettings.class.getResourceAsStream("/application.yml")) {
            assertNotNull(in, "application.yml");
            Map<String, Object> yml = new Yaml().load(in);
            flatten("", yml, known);
        }
        assertFalse(known.isEmpty());
        return known;
    }

    /** The full prefix of a {@code @ConfigurationProperties} class (nested ones add to their outer class's). */
    private static String prefix(Class<?> c) {
        ConfigurationProperties cp = c.getAnnotation(ConfigurationProperties.class);
        if (cp == null) {
            return null;
        }
        String outer = c.getEnclosingClass() == null ? null : prefix(c.getEnclosingClass());
        String own = cp.value().replace('-', '.');
        return outer == null ? own : outer + "." + own;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Set<String> out) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String k = prefix + e.getKey().replace('-', '.');
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(k + ".", (Map<String, Object>) m, out);
            } else {
                out.add(k);
            }
        }
    }

    /** {@code TokenFile} or {@code tokenFile} to {@code token.file}. */
    private static String dotted(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1.$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Path root() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("deploy"))) {
            root = root.getParent();
        }
        assertNotNull(root, "no deploy/ folder");
        return root;
    }
}
