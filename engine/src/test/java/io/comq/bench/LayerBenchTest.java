package io.comq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's bookkeeping on tiny layers (no timing is asserted). */
class LayerBenchTest {

    @Test
    void reportsEveryMethodOnEveryLayerWithConsistentFigures() {
        BenchOptions options = new BenchOptions(BenchOptions.Shape.parseList("64x24, 40x16"), BenchOptions.METHODS,
                "cpu-simd", 2, 2, 16, 64, 3, 2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchReport report = new LayerBench(options).run(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(8, report.rows().size());
        assertEquals("cpu-simd", report.backend());
        for (BenchReport.Row r : report.rows()) {
            boolean comq = r.method().startsWith("comq");
            assertEquals(comq ? 2 : 0, r.sweeps(), r.method());
            assertTrue(r.relError() > 0 && r.relError() <= r.rtnRelError() * (1 + 1e-6) || "rtn".equals(r.method()),
                    r.method() + " on " + r.layer() + " should not be worse than RTN");
            assertTrue(r.ratioToSgemm() > 0 && r.macsPerS() > 0 && r.peakHeapBytes() > 0);
            assertEquals(r.macsPerS() / r.sgemmMacsPerS(), r.ratioToSgemm(), 1e-12);
        }
        BenchReport.Row rtn = report.rows().get(3);
        assertEquals("rtn", rtn.method());
        assertEquals(rtn.rtnRelError(), rtn.relError(), 1e-12);
        String table = report.table();
        assertTrue(table.contains("64x24") && table.contains("comq-cyclic") && table.contains("xsgemm"), table);
    }

    @Test
    void rejectsUnknownMethodsAndBadShapes() {
        assertThrows(InvalidConfigException.class, () -> BenchOptions.Shape.parse("768by3072"));
        assertThrows(InvalidConfigException.class, () -> BenchOptions.Shape.parse("0x5"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new BenchOptions(
                List.of(new BenchOptions.Shape(8, 8)), List.of("awq"), "auto", 0, 3, 0, 64, 1, 1));
        assertTrue(e.getMessage().contains("comq-greedy"), e.getMessage());
        assertEquals(new BenchOptions.Shape(768, 3072), BenchOptions.Shape.parse(" 768X3072 "));
    }
}
