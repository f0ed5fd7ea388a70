package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.quant.Grid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exclude regexes, op-type filters and per-layer bits, with their validation. */
class LayerSelectionTest {
    @TempDir
    Path dir;

    private OnnxModel model() throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.write(f, LinearLayersTest.model(OnGrid.spec(8, Grid.SYM_MAXABS, 0), 1).toByteArray());
        return OnnxModel.load(f);
    }

    private static List<String> ids(List<OnnxLayer> ls) {
        return ls.stream().map(OnnxLayer::id).collect(Collectors.toList());
    }

    @Test
    void excludeByNodeOrTensorNameAndFilterByOpType() throws Exception {
        OnnxModel m = model();
        assertEquals(List.of("fc1", "fc3"), ids(m.layers(LayerSelection.parse(List.of("fc2"), null, null))));
        assertEquals(List.of("fc2", "fc3"), ids(m.layers(LayerSelection.parse(List.of("^W1$"), null, null))));
        assertEquals(List.of("fc2", "fc3"), ids(m.layers(LayerSelection.parse(null, List.of("Gemm"), null))));
        assertEquals(List.of("fc1"), ids(m.layers(LayerSelection.parse(List.of("fc3"), List.of("MatMul", "Conv"),
                null))));
    }

    @Test
    void perLayerBitsByNodeOrWeightName() throws Exception {
        OnnxModel m = model();
        LayerSelection s = LayerSelection.parse(null, null, List.of("fc1=8", "W3 = 3"));
        List<OnnxLayer> ls = m.layers(s);
        assertEquals(8, s.bits(ls.get(0), 4));
        assertEquals(4, s.bits(ls.get(1), 4));
        assertEquals(3, s.bits(ls.get(2), 4));
    }

    @Test
    void badSelectionsSayWhatToFix() throws Exception {
        OnnxModel m = model();
        assertMessage(() -> LayerSelection.parse(List.of("fc[1"), null, null), "not a valid regular expression");
        assertMessage(() -> LayerSelection.parse(null, List.of("Gather"), null), "cannot be quantized");
        assertMessage(() -> LayerSelection.parse(null, null, List.of("fc1=9")), "between 2 and 8");
        assertMessage(() -> LayerSelection.parse(null, null, List.of("fc1")), "name=bits");
        assertMessage(() -> LayerSelection.parse(null, null, List.of("fc1=four")), "not a whole number");
        assertMessage(() -> LayerSelection.parse(null, null, List.of("fc1=8", "fc1=4")), "two bit overrides");
        assertMessage(() -> m.layers(LayerSelection.parse(null, null, List.of("fc9=8"))),
                "[fc9] name no layer of the model; layers are fc1, fc2, fc3");
        assertMessage(() -> m.layers(LayerSelection.parse(List.of("fc"), null, null)), "leaves none of the model's 3");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable r, String expected) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, r);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
