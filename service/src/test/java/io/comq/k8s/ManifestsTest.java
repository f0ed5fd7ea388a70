package io.comq.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.comq.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Renders every kustomization under {@code k8s/} with {@code kubectl kustomize} and checks what a cluster and the
 * product rely on: required fields, non-root read-only containers with resources, probes on the service's health
 * endpoints, volumes and references that resolve, GPU requests exactly in the GPU variants, and container args that the
 * real {@code comq} command line parses (a renamed option fails here), with every file they name on a mounted volume.
 *
 * <p>Skipped, visibly, where {@code kubectl} is not installed, unless {@code COMQ_REQUIRE_KUBECTL=1} (set by
 * {@code .ci/run}, which installs Debian's {@code kubernetes-client}) makes that a failure.
 */
class ManifestsTest {
    /** The service's health endpoints (micronaut-management) and its port. */
    static final String LIVENESS = "/health/liveness";
    static final String READINESS = "/health/readiness";
    static final int HTTP_PORT = 8080;
    /** The images deploy/ builds. */
    static final Set<String> IMAGES = Set.of("comq/comq-service", "comq/comq-service-gpu");
    /** Options whose value is a file or folder the container reads or writes. */
    static final Set<String> PATH_OPTIONS = Set.of("--model", "--calibration", "--gram-dir", "--out", "--shard-dir",
            "--checkpoint", "--shards");

    static Path root;
    static Map<String, List<JsonNode>> rendered = new LinkedHashMap<>();

    @BeforeAll
    static void render() throws Exception {
        root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("k8s"))) {
            root = root.getParent();
        }
        assertNotNull(root, "no k8s/ folder above " + Path.of("").toAbsolutePath());
        boolean required = "1".equals(System.getenv("COMQ_REQUIRE_KUBECTL"));
        boolean present = kubectlPresent();
        if (!present && required) {
            fail("kubectl is not on the PATH but COMQ_REQUIRE_KUBECTL=1: install Debian's kubernetes-client");
        }
        Assumptions.assumeTrue(present, "kubectl is not on the PATH: the k8s/ manifests are not rendered or checked "
                + "(apt-get install kubernetes-client; .ci/run does)");
        for (Path k : kustomizations()) {
            String name = root.resolve("k8s").relativize(k).toString();
            rendered.put(name, kustomize(k));
        }
    }

    private static boolean kubectlPresent() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static List<Path> kustomizations() throws IOException {
        try (Stream<Path> s = Files.walk(root.resolve("k8s"))) {
            return s.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).map(Path::getParent)
                    .sorted().toList();
        }
    }

    static List<JsonNode> kustomize(Path dir) throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " hangs");
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + " failed: " + err);
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(out)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    docs.add(n);
                }
            }
        }
        assertFalse(docs.isEmpty(), dir + " renders nothing");
        return docs;
    }

    @Test
    void everyKustomizationRendersObjectsWithTheRequiredFields() {
        assertTrue(rendered.keySet().containsAll(List.of("base", "overlays/cpu", "overlays/gpu", "overlays/cluster",
                "jobs/quantize",
                "jobs/sharded", "jobs/sharded-gpu", "jobs/assemble")), rendered.keySet()::toString);
        rendered.forEach((name, docs) -> {
            Set<String> seen = new TreeSet<>();
            for (JsonNode d : docs) {
                String what = name + ": " + d.path("kind").asText() + "/" + d.at("/metadata/name").asText();
                assertFalse(d.path("apiVersion").asText().isEmpty(), what + " has no apiVersion");
                assertFalse(d.path("kind").asText().isEmpty(), what + " has no kind");
                assertTrue(d.at("/metadata/name").asText().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"),
                        what + ": not a DNS-1123 name");
                assertEquals("comq", d.at("/metadata/labels/app.kubernetes.io~1part-of").asText(), what);
                assertTrue(seen.add(d.path("kind").asText() + "/" + d.at("/metadata/name").asText()),
                        what + " appears twice");
                if (d.path("kind").asText().equals("PersistentVolumeClaim")) {
                    assertFalse(d.at("/spec/accessModes").isEmpty(), what);
                    assertFalse(d.at("/spec/resources/requests/storage").asText().isEmpty(), what);
                }
            }
        });
    }

    @Test
    void podsRunAsNonRootOnReadOnlyRootFilesystemsWithResourcesAndResolvableReferences() {
        rendered.forEach((name, docs) -> {
            for (JsonNode w : workloads(docs)) {
                String what = name + ": " + w.path("kind").asText() + "/" + w.at("/metadata/name").asText();
                JsonNode pod = w.at("/spec/template/spec");
                assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), what + ": runAsNonRoot");
                assertTrue(pod.at("/securityContext/runAsUser").asInt() > 0, what + ": runAsUser");
                Map<String, JsonNode> volumes = new HashMap<>();
                for (JsonNode v : pod.path("volumes")) {
                    volumes.put(v.path("name").asText(), v);
                    String claim = v.at("/persistentVolumeClaim/claimName").asText();
                    if (!claim.isEmpty()) {
                        assertTrue(has(docs, "PersistentVolumeClaim", claim), what + ": claim " + claim
                                + " is not in the rendered objects");
                    }
                    String secret = v.at("/secret/secretName").asText();
                    if (!secret.isEmpty()) {
                        assertTrue(has(docs, "Secret", secret), what + ": secret " + secret);
                    }
                }
                String sa = pod.path("serviceAccountName").asText();
                if (!sa.isEmpty()) {
                    assertTrue(has(docs, "ServiceAccount", sa), what + ": service account " + sa);
                }
                for (JsonNode c : pod.path("containers")) {
                    String cw = what + " container " + c.path("name").asText();
                    String image = c.path("image").asText();
                    assertTrue(IMAGES.contains(image.replaceFirst(":[^:/]+$", "")) && image.matches(".+:[^:/]+"),
                            cw + ": image " + image + " is not one deploy/ builds, with a tag");
                    for (String r : List.of("/resources/requests/cpu", "/resources/requests/memory",
                            "/resources/limits/memory")) {
                        assertFalse(c.at(r).asText().isEmpty(), cw + ": no " + r);
                    }
                    assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean(), cw);
                    assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), cw);
                    assertTrue(c.at("/securityContext/capabilities/drop").toString().contains("\"ALL\""), cw);
                    boolean tmp = false;
                    for (JsonNode m : c.path("volumeMounts")) {
                        assertTrue(volumes.containsKey(m.path("name").asText()), cw + ": mounts unknown volume "
                                + m.path("name").asText());
                        tmp |= m.path("mountPath").asText().equals("/tmp");
                    }
                    assertTrue(tmp, cw + ": /tmp must be a writable volume (the root filesystem is read-only)");
                    for (JsonNode e : c.path("envFrom")) {
                        String cm = e.at("/configMapRef/name").asText();
                        String sec = e.at("/secretRef/name").asText();
                        assertTrue(cm.isEmpty() || has(docs, "ConfigMap", cm), cw + ": config map " + cm);
                        assertTrue(sec.isEmpty() || has(docs, "Secret", sec), cw + ": secret " + sec);
                    }
                    boolean gpu = name.contains("gpu");
                    assertEquals(gpu, c.at("/resources/limits/nvidia.com~1gpu").asInt(0) >= 1,
                            cw + ": nvidia.com/gpu limit exactly in the GPU variants");
                    assertEquals(gpu, image.startsWith("comq/comq-service-gpu:"), cw + ": GPU image exactly in the "
                            + "GPU variants");
                }
            }
        });
    }

    @Test
    void theClusterOverlayMountsTheWorkClaimWhereTheShardsFindIt() {
        List<JsonNode> docs = rendered.get("overlays/cluster");
        JsonNode config = find(docs, "ConfigMap", "comq-config").path("data");
        assertFalse(config.path("COMQ_CLUSTER_NAMESPACE").asText().isEmpty(), "the cluster overlay names no namespace");
        String claim = config.path("COMQ_CLUSTER_WORK_CLAIM").asText();
        String mount = config.path("COMQ_CLUSTER_WORK_MOUNT").asText("/work");
        find(docs, "PersistentVolumeClaim", claim); // the work claim is part of the overlay
        JsonNode pod = one(docs, "Deployment").at("/spec/template/spec");
        String volume = null;
        for (JsonNode v : pod.path("volumes")) {
            if (claim.equals(v.at("/persistentVolumeClaim/claimName").asText())) {
                volume = v.path("name").asText();
            }
        }
        assertTrue(volume != null, "the service pod has no volume of claim " + claim);
        boolean mounted = false;
        for (JsonNode m : pod.at("/containers/0/volumeMounts")) {
            mounted |= volume.equals(m.path("name").asText()) && mount.equals(m.path("mountPath").asText());
        }
        assertTrue(mounted, "the work claim is not mounted at " + mount + ", where the shard pods read it");
        for (String name : List.of("base", "overlays/cpu", "overlays/gpu")) {
            assertTrue(find(rendered.get(name), "ConfigMap", "comq-config").at("/data/COMQ_CLUSTER_NAMESPACE")
                    .asText().isEmpty(), name + " should run every job in its own pod");
        }
    }

    @Test
    void theServiceProbesItsHealthEndpointsAndTheServiceSelectsItsPods() {
        List<List<String>> serviceArgs = new ArrayList<>();
        for (String name : List.of("base", "overlays/cpu", "overlays/gpu", "overlays/cluster")) {
            List<JsonNode> docs = rendered.get(name);
            JsonNode deployment = one(docs, "Deployment");
            JsonNode c = deployment.at("/spec/template/spec/containers/0");
            Map<String, Integer> ports = new HashMap<>();
            for (JsonNode p : c.path("ports")) {
                ports.put(p.path("name").asText(), p.path("containerPort").asInt());
            }
            assertEquals(HTTP_PORT, ports.get("http"), name);
            assertEquals(READINESS, c.at("/readinessProbe/httpGet/path").asText(), name);
            assertEquals(LIVENESS, c.at("/livenessProbe/httpGet/path").asText(), name);
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                JsonNode port = c.path(probe).at("/httpGet/port");
                int n = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
                assertEquals(HTTP_PORT, n, name + ": " + probe + " port " + port);
            }
            JsonNode selector = deployment.at("/spec/selector/matchLabels");
            JsonNode labels = deployment.at("/spec/template/metadata/labels");
            selector.fields().forEachRemaining(e -> assertEquals(e.getValue(), labels.path(e.getKey()),
                    name + ": the Deployment's selector must match its pods"));
            JsonNode service = one(docs, "Service");
            service.at("/spec/selector").fields().forEachRemaining(e -> assertEquals(e.getValue(),
                    labels.path(e.getKey()), name + ": the Service must select the Deployment's pods"));
            for (JsonNode p : service.at("/spec/ports")) {
                assertTrue(ports.containsKey(p.path("targetPort").asText())
                        || ports.containsValue(p.path("targetPort").asInt()), name + ": targetPort");
            }
            assertEquals("comq-config", c.at("/envFrom/0/configMapRef/name").asText(), name);
            JsonNode config = find(docs, "ConfigMap", "comq-config");
            assertTrue(c.toString().contains("\"mountPath\":\"" + config.at("/data/COMQ_DATA_DIR").asText() + "\""),
                    name + ": COMQ_DATA_DIR must be the mounted data volume");
            String tokens = config.at("/data/COMQ_AUTH_TOKEN_FILE").asText();
            assertTrue(c.toString().contains("\"mountPath\":\"" + Path.of(tokens).getParent() + "\""),
                    name + ": the tokens file must be on the mounted secret");
            assertEquals(c.path("image").asText(), config.at("/data/COMQ_CLUSTER_IMAGE").asText(),
                    name + ": the service submits shards with its own image");
            serviceArgs.add(args(c));
        }
        for (List<String> a : serviceArgs) {
            CommandLine cli = new CommandLine(new Main());
            Assumptions.assumeTrue(cli.getSubcommands().containsKey(a.get(0)), "this build's comq has no '" + a.get(0)
                    + "' command yet (the REST service): the Deployment's args are not parsed");
            cli.parseArgs(a.toArray(String[]::new));
        }
    }

    @Test
    void jobArgsAreRealCommandsWhosePathsLieOnMountedVolumes() {
        int jobs = 0;
        for (Map.Entry<String, List<JsonNode>> r : rendered.entrySet()) {
            for (JsonNode w : workloads(r.getValue())) {
                if (!w.path("kind").asText().equals("Job")) {
                    continue;
                }
                jobs++;
                String what = r.getKey() + ": Job/" + w.at("/metadata/name").asText();
                JsonNode c = w.at("/spec/template/spec/containers/0");
                ParseResult pr = parse(what, c);
                assertTrue(Set.of("quantize", "assemble").contains(pr.subcommand().commandSpec().name()), what);
                for (String opt : PATH_OPTIONS) {
                    if (pr.subcommand().hasMatchedOption(opt)) {
                        String path = pr.subcommand().matchedOption(opt).getValue().toString();
                        assertTrue(onVolume(c, path), what + ": " + opt + " " + path + " is on no mounted volume");
                    }
                }
                assertEquals("Never", w.at("/spec/template/spec/restartPolicy").asText(), what);
                JsonNode rule = w.at("/spec/podFailurePolicy/rules/0");
                assertEquals("FailJob", rule.path("action").asText(), what);
                assertEquals(Main.EXIT_BAD_INPUT, rule.at("/onExitCodes/values/0").asInt(),
                        what + ": bad input must fail the Job without retries");
                assertEquals("FallbackToLogsOnError", c.path("terminationMessagePolicy").asText(), what);
            }
        }
        assertTrue(jobs >= 4, "expected the pipeline, sharded (cpu, gpu) and assemble Jobs, found " + jobs);
    }

    @Test
    void theIndexedJobShardsByCompletionIndexAndAssembleReadsWhatTheShardsWrite() {
        for (String variant : List.of("jobs/sharded", "jobs/sharded-gpu")) {
            JsonNode job = find(rendered.get(variant), "Job", "comq-shards");
            JsonNode c = job.at("/spec/template/spec/containers/0");
            assertEquals("Indexed", job.at("/spec/completionMode").asText(), variant);
            String shard = argAfter(c, "--shard");
            Matcher m = Pattern.compile("\\$\\(JOB_COMPLETION_INDEX\\)/(\\d+)").matcher(shard);
            assertTrue(m.matches(), variant + ": --shard must be $(JOB_COMPLETION_INDEX)/N, is " + shard);
            int n = Integer.parseInt(m.group(1));
            assertEquals(n, job.at("/spec/completions").asInt(), variant + ": completions must equal the N of --shard");
            assertTrue(job.at("/spec/parallelism").asInt() <= n, variant);
            for (int i = 0; i < n; i++) {
                ParseResult pr = parse(variant, c, Map.of("JOB_COMPLETION_INDEX", Integer.toString(i)));
                assertEquals(i + "/" + n, pr.subcommand().matchedOption("--shard").getValue());
            }
            JsonNode assemble = find(rendered.get("jobs/assemble"), "Job", "comq-assemble");
            JsonNode a = assemble.at("/spec/template/spec/containers/0");
            assertEquals(argAfter(c, "--shard-dir"), argAfter(a, "--shards"), "assemble must read the shards' folder");
            assertEquals(argAfter(c, "--model"), argAfter(a, "--model"));
            assertEquals(argAfter(c, "--calibration"), argAfter(a, "--calibration"));
            assertEquals(claims(job), claims(assemble), "shards and assemble must share the volume");
            assertTrue(find(rendered.get(variant), "PersistentVolumeClaim", claims(job).get(0))
                    .at("/spec/accessModes").toString().contains("ReadWriteMany"), "shards on many nodes need RWX");
        }
    }

    // ---- helpers

    static List<JsonNode> workloads(List<JsonNode> docs) {
        return docs.stream().filter(d -> Set.of("Deployment", "Job").contains(d.path("kind").asText())).toList();
    }

    static boolean has(List<JsonNode> docs, String kind, String name) {
        return docs.stream().anyMatch(d -> d.path("kind").asText().equals(kind)
                && d.at("/metadata/name").asText().equals(name));
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)
                && d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    static JsonNode one(List<JsonNode> docs, String kind) {
        List<JsonNode> of = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertEquals(1, of.size(), "expected one " + kind);
        return of.get(0);
    }

    static List<String> args(JsonNode c) {
        List<String> a = new ArrayList<>();
        for (JsonNode n : c.path("args")) {
            a.add(n.asText());
        }
        assertTrue(c.path("command").isMissingNode(), "containers keep the image's entrypoint (java -jar comq.jar)");
        return a;
    }

    static String argAfter(JsonNode c, String option) {
        List<String> a = args(c);
        int i = a.indexOf(option);
        assertTrue(i >= 0 && i + 1 < a.size(), "no " + option + " in " + a);
        return a.get(i + 1);
    }

    static ParseResult parse(String what, JsonNode c) {
        return parse(what, c, Map.of("JOB_COMPLETION_INDEX", "0"));
    }

    /** Parses the container's args with the real command line, after Kubernetes' $(VAR) expansion. */
    static ParseResult parse(String what, JsonNode c, Map<String, String> values) {
        Set<String> declared = new TreeSet<>();
        for (JsonNode e : c.path("env")) {
            declared.add(e.path("name").asText());
        }
        List<String> expanded = new ArrayList<>();
        for (String a : args(c)) {
            Matcher m = Pattern.compile("\\$\\(([A-Z_][A-Z0-9_]*)\\)").matcher(a);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                assertTrue(declared.contains(m.group(1)), what + ": $(" + m.group(1) + ") is not a declared env var");
                assertTrue(values.containsKey(m.group(1)), what + ": no test value for " + m.group(1));
                m.appendReplacement(sb, values.get(m.group(1)));
            }
            m.appendTail(sb);
            expanded.add(sb.toString());
        }
        try {
            return new CommandLine(new Main()).parseArgs(expanded.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(what + ": comq rejects the args " + expanded + ": " + e.getMessage(), e);
        }
    }

    static boolean onVolume(JsonNode c, String path) {
        for (JsonNode m : c.path("volumeMounts")) {
            String mp = m.path("mountPath").asText();
            if (!m.path("readOnly").asBoolean(false) && Path.of(path).normalize().startsWith(Path.of(mp))) {
                return true;
            }
        }
        return false;
    }

    static List<String> claims(JsonNode workload) {
        List<String> c = new ArrayList<>();
        for (JsonNode v : workload.at("/spec/template/spec/volumes")) {
            String claim = v.at("/persistentVolumeClaim/claimName").asText();
            if (!claim.isEmpty()) {
                c.add(claim);
            }
        }
        return c;
    }
}
