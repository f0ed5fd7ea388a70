package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Quantizes discovered layers with RTN through LayerQuantizer (H = I: weights are on-grid). */
final class Rtn {
    private Rtn() {
    }

    static Map<OnnxLayer, List<LayerResult>> quantize(OnnxModel model, List<OnnxLayer> layers, GridSpec spec) {
        Map<OnnxLayer, List<LayerResult>> out = new LinkedHashMap<>();
        // RTN runs in plain Java whatever the kernel; the scalar reference is always there
        try (QuantKernel kernel = new ScalarKernel(1)) {
            LayerQuantizer q = new LayerQuantizer(kernel);
            for (OnnxLayer l : layers) {
                List<LayerResult> rs = new ArrayList<>();
                for (Matrix w : model.weights(l)) {
                    Matrix.F64 h = Matrix.F64.zeros(l.in(), l.in());
                    for (int i = 0; i < l.in(); i++) {
                        h.data()[i * l.in() + i] = 1;
                    }
                    rs.add(q.quantize(LayerProblem.of(w, h), LayerConfig.of(RtnConfig.of(spec)), null));
                }
                out.put(l, rs);
            }
        }
        return out;
    }

    /** The result with a bias correction attached (RTN on on-grid weights has none of its own). */
    static LayerResult withBias(LayerResult r, double[] bias) {
        return new LayerResult(r.in(), r.out(), r.grid(), r.codes(), r.scales(), r.lo(), r.hi(), r.wq(), bias,
                r.rtnRelError(), r.relErrorPerSweep(), r.relError(), r.stats());
    }

    /** Op type counts over every graph of the model. */
    static Map<String, Integer> ops(ModelProto m) {
        Map<String, Integer> c = new HashMap<>();
        count(m.getGraph(), c);
        return c;
    }

    private static void count(GraphProto g, Map<String, Integer> c) {
        for (NodeProto n : g.getNodeList()) {
            c.merge(n.getOpType(), 1, Integer::sum);
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    count(a.getG(), c);
                }
                a.getGraphsList().forEach(s -> count(s, c));
            }
        }
    }
}
