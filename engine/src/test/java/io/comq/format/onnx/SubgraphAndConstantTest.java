package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights inside If branches (an initializer of the branch, a Constant node) and a Constant-node weight. */
class SubgraphAndConstantTest {
    @TempDir
    Path dir;

    static final GridSpec SPEC = OnGrid.spec(4, Grid.SYM_MAXABS, 4);

    /** If(cond) { X @ Wt (initializer of the branch) } else { X @ We (Constant node) }, then @ Wc (Constant node). */
    static ModelProto model() {
        Random rnd = new Random(21);
        GraphProto then = Graph.named("then").output("Yt").initializer("Wt", OnGrid.weights(rnd, 8, 4, SPEC), 8, 4)
                .node("MatMul", "mm_t", List.of("X", "Wt"), List.of("Yt")).build();
        GraphProto els = Graph.named("else").output("Ye").constant("We", OnGrid.weights(rnd, 8, 4, SPEC), 8, 4)
                .node("MatMul", "mm_e", List.of("X", "We"), List.of("Ye")).build();
        return new Graph().input("X", 2, 8).typedInput("cond", TensorProto.DataType.BOOL_VALUE).output("Z")
                .constant("Wc", OnGrid.weights(rnd, 4, 4, SPEC), 4, 4)
                .node("If", "if", List.of("cond"), List.of("Y"), Graph.graph("then_branch", then),
                        Graph.graph("else_branch", els))
                .node("MatMul", "mm_c", List.of("Y", "Wc"), List.of("Z"))
                .model(13);
    }

    @Test
    void findsWeightsInBranchesAndConstantNodesAndQuantizesThem() throws Exception {
        Path src = dir.resolve("if.onnx");
        Files.write(src, model().toByteArray());
        OnnxModel m = OnnxModel.load(src);
        List<OnnxLayer> ls = m.layers(LayerSelection.all());
        assertEquals(List.of("mm_c", "if.then_branch/mm_t", "if.else_branch/mm_e"),
                ls.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        assertEquals("if.then_branch", ls.get(1).graphPath());
        assertEquals("X", ls.get(1).inputName());
        assertEquals(4 * 4, m.weights(ls.get(0)).get(0).size());

        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, ls, SPEC);
        Path out = dir.resolve("q.onnx");
        new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        ModelProto q = OnnxModel.load(out).proto();
        Map<String, Integer> ops = Rtn.ops(q);
        assertEquals(3, ops.get("DequantizeLinear"));
        assertFalse(ops.containsKey("Constant"), "the Constant nodes of replaced weights are gone: " + ops);
        GraphProto then = q.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("If")).findFirst()
                .orElseThrow().getAttribute(0).getG();
        assertFalse(then.getInitializerList().stream().anyMatch(t -> t.getName().equals("Wt")));

        float[] x = OnGrid.random(new Random(2), 16);
        for (boolean cond : new boolean[] {true, false}) {
            float[] expected = new Ort().input("X", x, 2, 8).input("cond", cond).run(src);
            float[] actual = new Ort().input("X", x, 2, 8).input("cond", cond).run(out);
            Ort.assertClose(expected, actual, "cond " + cond);
        }
    }
}
