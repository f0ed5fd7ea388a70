package io.comq.quant.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.NativeMathException;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.quant.ProgressListener;
import io.comq.quant.RandomLayers;
import io.comq.numeric.TieRule;
import io.comq.quant.Vectors;
import io.comq.quant.method.GptqConfig;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The math a process trusts: OpenBLAS passes its self-test here (CI runs this once per OpenBLAS core the CPU can
 * execute), and a deliberately broken native path ({@link DrillMath}) leads to the pure-Java fallback or to a refusal,
 * never to a result that claims success.
 */
class LinalgTest {

    private static final CompletableFuture<String> CORE = CompletableFuture.completedFuture("TestCore");
    private static final GridSpec SPEC = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);

    @Test
    void openBlasPassesItsSelfTestOnThisCpu() {
        SelfTest.Result r = SelfTest.run(new OpenBlasMath());
        assertTrue(r.passed(), "OpenBLAS " + OpenBlasMath.version() + " with OPENBLAS_CORETYPE="
                + System.getenv("OPENBLAS_CORETYPE") + ": " + r.failures());
        assertTrue(SelfTest.run(new JavaMath()).passed());
        Linalg process = Linalg.process();
        assertTrue(process.status().ready());
        assertEquals("passed", process.status().selfTest(), process.status().toString());
        String forced = System.getenv("OPENBLAS_CORETYPE");
        if (forced != null && !forced.isBlank()) { // CI's per-core runs: the core asked for is the one tested
            assertTrue(forced.equalsIgnoreCase(process.status().openblasCore()), process.status().openblasCore());
        }
    }

    @Test
    void aSelfTestFedAWrongFactorFailsAndAutoFallsBackToPlainJava() {
        DenseMath broken = DrillMath.wrap(new OpenBlasMath(), "factor");
        SelfTest.Result r = SelfTest.run(broken);
        assertFalse(r.passed());
        assertTrue(r.failures().stream().allMatch(f -> f.contains("factor of H^-1")), r.failures().toString());

        Linalg auto = Linalg.select(Linalg.Mode.AUTO, () -> broken, CORE);
        assertEquals("java", auto.math().name());
        MathStatus s = auto.status();
        assertEquals("java", s.using());
        assertEquals("failed", s.selfTest());
        assertTrue(s.ready());
        assertTrue(s.fallback().contains("self-test"), s.fallback());
        assertTrue(auto.warning().orElseThrow().contains("TestCore"), auto.warning().toString());

        // the reference vectors' GPTQ codes, code for code, on the fallback
        LayerResult g = new LayerQuantizer(new ScalarKernel(1), auto).quantize(Vectors.problem("med_sym4"),
                LayerConfig.of(new GptqConfig(SPEC, 0.01, false, 128, Precision.FLOAT64)), ProgressListener.NONE);
        assertArrayEquals(Vectors.ints("med_sym4", "gptq_codes"), g.codes());
        assertEquals("java", g.stats().backend());
    }

    @Test
    void aRequiredNativeMathThatFailsItsSelfTestRefusesNamingTheMachine() {
        Linalg nativeOnly = Linalg.select(Linalg.Mode.NATIVE, () -> DrillMath.wrap(new OpenBlasMath(), "product"),
                CORE);
        NativeMathException e = assertThrows(NativeMathException.class, nativeOnly::math);
        assertTrue(e.getMessage().contains("OpenBLAS " + OpenBlasMath.version()), e.getMessage());
        assertTrue(e.getMessage().contains("core TestCore"), e.getMessage());
        assertTrue(e.getMessage().contains("block update"), e.getMessage());
        assertFalse(nativeOnly.status().ready());
        assertEquals("none", nativeOnly.status().using());
        LayerQuantizer q = new LayerQuantizer(new ScalarKernel(1), nativeOnly);
        assertThrows(NativeMathException.class, () -> q.quantize(Vectors.problem("med_sym4"),
                LayerConfig.of(new GptqConfig(SPEC, 0.01, false, 128, Precision.FLOAT64)), ProgressListener.NONE));
    }

    @Test
    void aMissingNativeLibraryFallsBack() {
        Linalg auto = Linalg.select(Linalg.Mode.AUTO, () -> {
            throw new UnsatisfiedLinkError("no jniopenblas in java.library.path");
        }, CORE);
        assertEquals("java", auto.math().name());
        assertTrue(auto.status().fallback().contains("could not be loaded"));
    }

    /**
     * A defect past the self-test's sizes (only on layers of 200 inputs or more) is caught by the layer's guards: the
     * factor's residual, or GPTQ's error not below RTN's. The layer's result is plain Java's, the same codes as a run
     * on plain Java from the start, and the guard says what happened.
     */
    @ParameterizedTest
    @ValueSource(strings = {"factor@200", "product@200"})
    void aDefectOnlyLargeLayersHitIsCaughtByTheLayerGuards(String drill) {
        LayerProblem p = RandomLayers.problem(3, 600, 256, 24);
        GptqConfig cfg = new GptqConfig(SPEC, 0.01, false, 64, Precision.FLOAT64);
        Linalg broken = Linalg.select(Linalg.Mode.AUTO, () -> DrillMath.wrap(new OpenBlasMath(), drill), CORE);
        assertTrue(broken.usesNative(), "the self-test does not reach 200 inputs");
        LayerResult r = new LayerQuantizer(new ScalarKernel(1), broken).quantize(p, LayerConfig.of(cfg),
                ProgressListener.NONE);
        LayerResult plain = new LayerQuantizer(new ScalarKernel(1), broken.javaOnly()).quantize(p,
                LayerConfig.of(cfg), ProgressListener.NONE);
        assertArrayEquals(plain.codes(), r.codes());
        assertTrue(r.relError() < r.rtnRelError());
        assertEquals("java", r.stats().backend());
        assertTrue(r.stats().guards().stream().anyMatch(gd -> gd.contains("plain Java runs for the rest")),
                r.stats().guards().toString());
        assertFalse(broken.usesNative());
        assertNotEquals(null, broken.status().fallback());

        Linalg strict = Linalg.select(Linalg.Mode.NATIVE, () -> DrillMath.wrap(new OpenBlasMath(), drill), CORE);
        assertThrows(NativeMathException.class, () -> new LayerQuantizer(new ScalarKernel(1), strict).quantize(p,
                LayerConfig.of(cfg), ProgressListener.NONE));
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void bothMathsAgreeOnALargerCorrelatedLayer(Precision precision) {
        LayerProblem p = RandomLayers.problem(11, 400, 300, 40);
        GptqConfig cfg = new GptqConfig(SPEC, 0.01, false, 128, precision);
        Linalg process = Linalg.process();
        LayerResult onProcess = new LayerQuantizer(new ScalarKernel(1), process).quantize(p, LayerConfig.of(cfg),
                ProgressListener.NONE);
        LayerResult onJava = new LayerQuantizer(new ScalarKernel(1), process.javaOnly()).quantize(p,
                LayerConfig.of(cfg), ProgressListener.NONE);
        assertEquals(onJava.relError(), onProcess.relError(), 1e-3 * onJava.relError());
        assertTrue(onProcess.relError() < 0.9 * onProcess.rtnRelError(), "GPTQ beats RTN on a correlated layer");
        assertTrue(onProcess.stats().guards().stream().noneMatch(gd -> gd.contains("plain Java")),
                onProcess.stats().guards().toString());
    }

    @Test
    void solveResidualGuardReplacesAWrongSolution() {
        double[] a = {4, 1, 1, 3};
        double[] b = {1, 2};
        DenseMath wrongSolve = new DenseMathDelegate(new OpenBlasMath()) {
            @Override
            public double[] solveSymmetric(double[] a2, int n, double add, double[] b2, int m) {
                return n == 2 ? new double[] {0, 0} : super.solveSymmetric(a2, n, add, b2, m); // past the self-test
            }
        };
        Linalg l = Linalg.select(Linalg.Mode.AUTO, () -> wrongSolve, CORE);
        double[] x = l.solveSymmetric(a, 2, 0, b, 1);
        assertEquals(1.0 / 11, x[0], 1e-12);
        assertEquals(7.0 / 11, x[1], 1e-12);
        assertTrue(l.status().fallback().contains("symmetric solve"));
        assertNull(Linalg.select(Linalg.Mode.AUTO, OpenBlasMath::new, CORE).status().fallback());
    }
}
