package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.pipeline.LayerResultStore;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.ModelQuantizer;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Sharded quantization as a Kubernetes Indexed Job runs it: {@code comq quantize --shard i/3} in three separate JVM
 * processes at once, sharing one folder, then {@code comq assemble}; the model must be byte-identical to a
 * single-process run's.
 */
class ShardedQuantizeTest {
    @TempDir
    Path dir;

    Path model;
    Path calib;

    @BeforeEach
    void files() throws Exception {
        model = TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(11));
        calib = TinyModel.calibration(dir.resolve("calib.npz"), 40, 5);
    }

    private List<String> quantizeArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of("quantize", "--model", model.toString(), "--calibration",
                calib.toString(), "--bits", "4", "--group-size", "0", "--no-progress", "--threads", "1",
                // shards calibrate in parallel; the single run compared with them must too
                "--calibration-mode", "parallel"));
        a.addAll(List.of(extra));
        return a;
    }

    /** Starts {@code comq} in a new JVM with this test's class path and the JVM flags the build gives tests. */
    private Process comq(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access")
                    || a.startsWith("--sun-misc-unsafe-memory-access") || a.startsWith("-Xss")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void threeShardProcessesAndAssembleWriteTheSameModelAsOneProcess() throws Exception {
        Path single = dir.resolve("single");
        CliRun one = CliRun.of(quantizeArgs("--out", single.toString()).toArray(String[]::new));
        assertEquals(0, one.code(), one::toString);

        Path shared = dir.resolve("shared");
        List<Process> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            shards.add(comq(quantizeArgs("--shard", i + "/3", "--shard-dir", shared.toString()),
                    dir.resolve("shard-" + i + ".log")));
        }
        for (int i = 0; i < 3; i++) {
            Process p = shards.get(i);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "shard " + i + " did not finish");
            String log = Files.readString(dir.resolve("shard-" + i + ".log"), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), log);
            // cost-balanced: conv (27^2*8), fc1 (8^2*32) and fc2 (32^2*16) land on three different shards
            assertTrue(log.contains("comq: shard " + i + "/3 done: 1 layers in " + shared), log);
        }

        Path assembled = dir.resolve("assembled");
        CliRun asm = CliRun.of("assemble", "--shards", shared.toString(), "--model", model.toString(),
                "--calibration", calib.toString(), "--out", assembled.toString());
        assertEquals(0, asm.code(), asm::toString);
        assertTrue(asm.out().startsWith("comq: wrote " + assembled + " from 3 shards: 3 layers"), asm::toString);

        assertArrayEquals(Files.readAllBytes(single.resolve("model.onnx")),
                Files.readAllBytes(assembled.resolve("model.onnx")), "assembled model differs from a single run's");
        List<String> keys = new ArrayList<>(s0Settings(assembled));
        keys.remove("shards");
        assertEquals(new ArrayList<>(s0Settings(single)), keys, "the report's settings keep their order");

        // a damaged layer file is named, not used
        Path npz = shared.resolve("layers").resolve("0001.npz");
        byte[] b = Files.readAllBytes(npz);
        b[b.length / 2] ^= 1;
        Files.write(npz, b);
        CliRun damaged = CliRun.of("assemble", "--shards", shared.toString(), "--model", model.toString(),
                "--out", dir.resolve("again").toString());
        assertEquals(2, damaged.code(), damaged::toString);
        assertTrue(damaged.err().contains("layer 'fc1': " + npz + " is missing or does not match its SHA-256"),
                damaged::toString);
        assertFalse(Files.exists(dir.resolve("again")));
        ModelReport a = Reports.read(assembled.resolve(Reports.JSON_FILE));
        ModelReport s = Reports.read(single.resolve(Reports.JSON_FILE));
        assertEquals(names(s), names(a));
        for (int k = 0; k < s.layers().size(); k++) {
            assertEquals(s.layers().get(k).relError(), a.layers().get(k).relError());
        }
        assertEquals("3", a.settings().get("shards"));
        assertEquals(s.drift().outputs().get(0).meanCosine(), a.drift().outputs().get(0).meanCosine());
        assertEquals(s.artifacts().get(0).sha256(), a.artifacts().get(0).sha256());
    }

    @Test
    void assembleRefusesAnIncompleteFolderAnotherModelAndAnotherRunsSettings() throws Exception {
        Path shared = dir.resolve("shared");
        CliRun s0 = CliRun.of(quantizeArgs("--shard", "0/3", "--shard-dir", shared.toString()).toArray(String[]::new));
        assertEquals(0, s0.code(), s0::toString);

        Path out = dir.resolve("out");
        CliRun missing = CliRun.of("assemble", "--shards", shared.toString(), "--model", model.toString(),
                "--out", out.toString());
        assertEquals(2, missing.code(), missing::toString);
        assertTrue(missing.err().contains("is incomplete: 2 of 3 layers missing"), missing::toString);
        assertTrue(missing.err().contains("shards not done: [1, 2] of 3"), missing::toString);
        assertFalse(Files.exists(out));

        Path other = TinyModel.write(dir.resolve("other.onnx"), TinyModel.model(12));
        CliRun wrongModel = CliRun.of("assemble", "--shards", shared.toString(), "--model", other.toString(),
                "--out", out.toString());
        assertEquals(2, wrongModel.code(), wrongModel::toString);
        assertTrue(wrongModel.err().contains("quantized another model"), wrongModel::toString);

        List<String> args = quantizeArgs("--shard", "1/3", "--shard-dir", shared.toString());
        args.set(args.indexOf("--bits") + 1, "3");
        CliRun otherBits = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, otherBits.code(), otherBits::toString);
        assertTrue(otherBits.err().contains("holds layers of another run (different quantization settings"),
                otherBits::toString);

        CliRun bad = CliRun.of(quantizeArgs("--shard", "3/3", "--shard-dir", shared.toString())
                .toArray(String[]::new));
        assertEquals(2, bad.code(), bad::toString);
        assertTrue(bad.err().contains("shard index 3 is outside 0..2"), bad::toString);
        CliRun noDir = CliRun.of(quantizeArgs("--shard", "0/3").toArray(String[]::new));
        assertEquals(2, noDir.code(), noDir::toString);
        assertTrue(noDir.err().contains("--shard needs --shard-dir"), noDir::toString);
    }

    @Test
    void aCheckpointResumesACrashedRunWithoutRecomputingFinishedLayersAndIsRemovedAfterwards() throws Exception {
        Path ck = dir.resolve("ck");
        Path out = dir.resolve("out");
        List<String> args = quantizeArgs("--checkpoint", ck.toString(), "--out", out.toString());
        args.remove("--no-progress");

        // the same job as the command line builds it, crashing right after its first layer was quantized
        CommandLine cl = new CommandLine(new QuantizeCommand());
        cl.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        ModelJob job = ((QuantizeCommand) cl.getCommand()).job();
        RuntimeException crash = new RuntimeException("node lost");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> new ModelQuantizer().quantize(job, ck,
                new ProgressListener() {
                    @Override
                    public void progress(Step step) {
                        if (step.kind() == Step.Kind.LAYER_QUANTIZED) {
                            throw crash;
                        }
                    }
                }));
        assertSame(crash, thrown);
        assertFalse(Files.exists(out), "a crashed run leaves no output");
        LayerResultStore store = LayerResultStore.read(ck);
        assertEquals(2, store.missing().size(), store.missing()::toString);
        String done = store.header().layers().stream().filter(store::has).findFirst().orElseThrow();

        // started again with the same command: only the two missing layers are quantized
        CliRun again = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, again.code(), again::toString);
        assertFalse(again.err().contains("comq: quantized " + done + " "), again::toString);
        assertTrue(again.err().contains("(2/2)"), again::toString);
        assertFalse(Files.exists(ck), "the checkpoint is removed once the model is written");

        Path fresh = dir.resolve("fresh");
        CliRun plain = CliRun.of(quantizeArgs("--out", fresh.toString()).toArray(String[]::new));
        assertEquals(0, plain.code(), plain::toString);
        assertArrayEquals(Files.readAllBytes(fresh.resolve("model.onnx")), Files.readAllBytes(out.resolve("model.onnx")),
                "a resumed run writes the model an uninterrupted run writes");
    }

    private static java.util.Set<String> s0Settings(Path out) {
        return Reports.read(out.resolve(Reports.JSON_FILE)).settings().keySet();
    }

    private static List<String> names(ModelReport r) {
        return r.layers().stream().map(LayerEntry::name).collect(Collectors.toList());
    }
}
