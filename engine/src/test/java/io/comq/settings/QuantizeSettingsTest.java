package io.comq.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.option.OptionNames;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one settings model: defaults filled in, contradictions refused before any work and named as the asking front end
 * names them (a flag for the CLI, a JSON field for the REST API), and the pods' arguments of a sharded job.
 */
class QuantizeSettingsTest {

    @Test
    void defaultsAreFilledInForTheChosenMethodOnly() {
        QuantizeSettings d = QuantizeSettings.defaults().resolved();
        assertEquals("comq", d.method());
        assertEquals(4, d.bits());
        assertEquals(3, d.sweeps());
        assertEquals("float32", d.precision());
        assertEquals(null, d.damp(), "no GPTQ settings unless COMQ starts from GPTQ");
        assertTrue(d.methodConfig() instanceof ComqConfig);

        QuantizeSettings g = QuantizeSettings.builder().method("comq").init("gptq").actOrder(true).build().resolved();
        assertEquals(GptqConfig.DEFAULT_DAMP, g.damp());
        assertTrue(((ComqConfig) g.methodConfig()).gptq().actOrder());
        assertTrue(QuantizeSettings.builder().method("AUTO").build().resolved().methodConfig() instanceof AutoConfig);
        assertEquals(d, d.resolved(), "resolving twice changes nothing");
    }

    @Test
    void aContradictionNamesTheSettingAsTheFrontEndDoes() {
        QuantizeSettings rtnWithSweeps = QuantizeSettings.builder().method("rtn").sweeps(2).build();
        String json = assertThrows(InvalidConfigException.class, () -> rtnWithSweeps.resolved(OptionNames.JSON))
                .getMessage();
        assertEquals("sweeps has no effect with method rtn; it applies to method comq", json);
        String cli = assertThrows(InvalidConfigException.class, () -> rtnWithSweeps.resolved(OptionNames.CLI))
                .getMessage();
        assertEquals("--sweeps has no effect with --method rtn; it applies to --method comq", cli);

        QuantizeSettings badOps = QuantizeSettings.builder().excludeOps(List.of("MatMul", "Gemm", "Conv")).build();
        assertTrue(assertThrows(InvalidConfigException.class, () -> badOps.resolved(OptionNames.JSON)).getMessage()
                .startsWith("excludeOps excludes every quantizable op type"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> badOps.resolved(OptionNames.CLI)).getMessage()
                .startsWith("--exclude-op excludes every quantizable op type"));

        QuantizeSettings mixed = QuantizeSettings.builder().avgBits(4.25).validationFraction(0.0).build();
        String m = assertThrows(InvalidConfigException.class, () -> mixed.resolved(OptionNames.JSON)).getMessage();
        assertTrue(m.contains("avgBits") && m.contains("validationFraction") && !m.contains("--"), m);
        assertThrows(InvalidConfigException.class, () -> QuantizeSettings.builder().method("best").build().resolved());
    }

    @Test
    void argumentsGiveThePodsTheSameSettings() {
        QuantizeSettings s = QuantizeSettings.builder().method("gptq").bits(3).actOrder(true).groupSize(64)
                .exclude(List.of("lm_head")).build().resolved();
        List<String> a = s.arguments();
        assertTrue(a.containsAll(List.of("--method", "gptq", "--bits", "3", "--group-size", "64", "--act-order",
                "--exclude", "lm_head", "--calibration-mode", "parallel")), a.toString());
        assertFalse(a.contains("--sweeps"), a.toString());
        assertTrue(s.shardable());
        assertFalse(QuantizeSettings.builder().calibrationMode("corrected").build().resolved().shardable());
    }
}
