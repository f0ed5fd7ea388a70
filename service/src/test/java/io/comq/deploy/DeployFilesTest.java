package io.comq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.comq.cli.Main;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The container and compose files agree with each other, with the Kubernetes manifests and with the build: the
 * Dockerfile's entrypoint carries the JVM flags the build gives every launcher and starts the shaded jar as a
 * non-root user; compose runs that image read-only as the same user, with its settings pointing at its own PostgreSQL
 * and S3 services. ({@code deploy/smoke.sh} runs the entrypoint itself; see docs/DEPLOY.md.)
 */
class DeployFilesTest {
    static Path root;
    static List<String> dockerfile;
    static JsonNode compose;

    @BeforeAll
    static void read() throws Exception {
        root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("deploy"))) {
            root = root.getParent();
        }
        assertNotNull(root, "no deploy/ folder");
        dockerfile = Files.readAllLines(root.resolve("deploy/Dockerfile"));
        compose = new YAMLMapper().readTree(root.resolve("deploy/compose.yaml").toFile());
    }

    static List<String> instruction(String name) throws Exception {
        String line = dockerfile.stream().filter(l -> l.startsWith(name + " ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + name + " in deploy/Dockerfile"));
        JsonNode arr = new ObjectMapper().readTree(line.substring(name.length() + 1));
        assertTrue(arr.isArray(), name + " must be in exec form (a JSON array)");
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theEntrypointRunsTheShadedJarWithTheBuildsJvmFlagsAsANonRootUser() throws Exception {
        List<String> entry = instruction("ENTRYPOINT");
        assertEquals("/opt/java/bin/java", entry.get(0));
        assertEquals(List.of("-jar", "/app/comq.jar"), entry.subList(entry.size() - 2, entry.size()));
        // the flags of the parent POM's comq.jvm.base and jdk25 profile (the runtime is JDK 25)
        String pom = Files.readString(root.resolve("pom.xml"));
        assertTrue(pom.contains("<comq.jvm.base>--add-modules jdk.incubator.vector -Xss4m</comq.jvm.base>"),
                "the parent POM's JVM flags changed: update deploy/Dockerfile's ENTRYPOINT and this test");
        for (String flag : List.of("--add-modules=jdk.incubator.vector", "-Xss4m", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dorg.bytedeco.javacpp.cachedir=/opt/comq/javacpp-cache")) {
            assertTrue(entry.contains(flag), "ENTRYPOINT lacks " + flag);
        }
        assertTrue(dockerfile.contains("USER 10001:10001"), "the image runs as uid 10001 (k8s runAsUser)");
        assertTrue(dockerfile.stream().anyMatch(l -> l.startsWith("ARG JDK_IMAGE=eclipse-temurin:25")),
                "build stage on JDK 25");
        assertTrue(dockerfile.stream().anyMatch(l -> l.contains("deploy/stage-image.sh")),
                "the image tree comes from deploy/stage-image.sh (which smoke.sh runs)");
        assertTrue(Files.isExecutable(root.resolve("deploy/stage-image.sh")));
        assertTrue(Files.isExecutable(root.resolve("deploy/smoke.sh")));
        List<String> cmd = instruction("CMD");
        assertEquals(List.of("serve"), cmd);
        // the project's Maven wrapper and every module the build stage copies exist
        for (String l : dockerfile) {
            if (l.startsWith("COPY ") && !l.contains("--from=")) {
                String[] parts = l.split("\\s+");
                for (int k = 1; k < parts.length - 1; k++) {
                    assertTrue(Files.exists(root.resolve(parts[k])), "Dockerfile copies missing " + parts[k]);
                }
            }
        }
    }

    @Test
    void composeRunsThatImageReadOnlyAgainstItsOwnPostgresAndS3() throws Exception {
        JsonNode comq = compose.at("/services/comq");
        assertEquals("deploy/Dockerfile", comq.at("/build/dockerfile").asText());
        assertEquals("comq/comq-service:0.1.0", comq.path("image").asText(),
                "compose and k8s/ use the same image name");
        assertTrue(Files.readString(root.resolve("k8s/base/deployment.yaml"))
                .contains("image: " + comq.path("image").asText()));
        assertTrue(comq.path("read_only").asBoolean());
        assertEquals("10001:10001", comq.path("user").asText());
        assertTrue(comq.path("tmpfs").toString().contains("/tmp"), "/tmp must be writable");
        JsonNode env = comq.path("environment");
        assertEquals("s3", env.path("COMQ_STORE_TYPE").asText());
        URI s3 = URI.create(env.path("COMQ_STORE_S3_ENDPOINT").asText());
        assertTrue(compose.at("/services").has(s3.getHost()), "S3 endpoint host " + s3.getHost() + " is no service");
        URI db = URI.create(env.path("DATASOURCES_DEFAULT_URL").asText().substring("jdbc:".length()));
        assertTrue(compose.at("/services").has(db.getHost()), "database host " + db.getHost() + " is no service");
        assertEquals(env.path("DATASOURCES_DEFAULT_PASSWORD").asText(),
                compose.at("/services/" + db.getHost() + "/environment/POSTGRES_PASSWORD").asText());
        assertEquals(env.path("COMQ_STORE_S3_SECRET_KEY").asText(),
                compose.at("/services/" + s3.getHost() + "/environment/MINIO_ROOT_PASSWORD").asText());
        assertTrue(compose.at("/services/minio-bucket/command/0").asText()
                .contains("local/" + env.path("COMQ_STORE_S3_BUCKET").asText()), "the bucket is created");
        String tokens = env.path("COMQ_AUTH_TOKEN_FILE").asText();
        String secret = comq.at("/secrets/0").asText();
        assertEquals("/run/secrets/" + secret, tokens);
        Path file = root.resolve("deploy").resolve(compose.at("/secrets/" + secret + "/file").asText());
        assertTrue(Files.readAllLines(file).stream().anyMatch(l -> l.matches("[^#\\s]\\S*\\s+\\S+")),
                "the tokens file holds '<token> <tenant>' lines");
        List<String> command = new ArrayList<>();
        comq.path("command").forEach(n -> command.add(n.asText()));
        assertEquals(instruction("CMD"), command);
        CommandLine cli = new CommandLine(new Main());
        if (cli.getSubcommands().containsKey(command.get(0))) {
            cli.parseArgs(command.toArray(String[]::new));
        } else {
            assertFalse(command.isEmpty());
            org.junit.jupiter.api.Assumptions.abort("this build's comq has no '" + command.get(0) + "' command yet: "
                    + "compose's command is not parsed");
        }
    }
}
