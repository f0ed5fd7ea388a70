package io.comq.calibration;

import ai.onnx.proto.OnnxMl;
import io.comq.error.InvalidModelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A minimal way to find calibration targets in a graph, standing in until the ONNX model package's layer discovery is
 * connected: every MatMul whose second input is a 2-D initializer, every Gemm ({@code transA = 0}) whose B is a 2-D
 * initializer, and every Conv (1-D or 2-D, explicit or {@code VALID} padding) whose weight is an initializer. Other
 * nodes are skipped. Layer names are node names ({@code op_index} for unnamed nodes).
 */
public final class SimpleTargetFinder {
    private SimpleTargetFinder() {
    }

    /** The targets of the graph, in node order. */
    public static List<CalibrationTarget> find(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto graph = model.getGraph();
        Map<String, OnnxMl.TensorProto> init = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            init.put(t.getName(), t);
        }
        List<CalibrationTarget> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int k = 0; k < graph.getNodeCount(); k++) {
            OnnxMl.NodeProto n = graph.getNode(k);
            String name = n.getName().isEmpty() || names.contains(n.getName()) ? n.getOpType() + "_" + k : n.getName();
            CalibrationTarget t = target(n, name, init);
            if (t != null) {
                names.add(name);
                out.add(t);
            }
        }
        return out;
    }

    private static CalibrationTarget target(OnnxMl.NodeProto n, String name, Map<String, OnnxMl.TensorProto> init) {
        if (n.getInputCount() < 2) {
            return null;
        }
        OnnxMl.TensorProto w = init.get(n.getInput(1));
        if (w == null) {
            return null;
        }
        switch (n.getOpType()) {
            case "MatMul":
                return w.getDimsCount() == 2 ? CalibrationTarget.dense(name, n.getInput(0), (int) w.getDims(0)) : null;
            case "Gemm":
                if (w.getDimsCount() != 2 || intAttr(n, "transA", 0) != 0) {
                    return null;
                }
                return CalibrationTarget.dense(name, n.getInput(0),
                        (int) (intAttr(n, "transB", 0) != 0 ? w.getDims(1) : w.getDims(0)));
            case "Conv":
                return conv(n, name, w);
            default:
                return null;
        }
    }

    private static CalibrationTarget conv(OnnxMl.NodeProto n, String name, OnnxMl.TensorProto w) {
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw new InvalidModelException("conv '" + name + "' uses auto_pad " + autoPad
                    + ", which calibration does not support yet; export the model with explicit pads");
        }
        int groups = (int) intAttr(n, "group", 1);
        int spatial = w.getDimsCount() - 2;
        if (spatial != 1 && spatial != 2) {
            return null;
        }
        int cin = (int) w.getDims(1) * groups;
        long[] k = new long[spatial];
        for (int d = 0; d < spatial; d++) {
            k[d] = w.getDims(2 + d);
        }
        long[] s = intsAttr(n, "strides", spatial, 1);
        long[] dl = intsAttr(n, "dilations", spatial, 1);
        long[] p = autoPad.equals("VALID") ? new long[2 * spatial] : intsAttr(n, "pads", 2 * spatial, 0);
        ConvGeometry g = spatial == 2
                ? new ConvGeometry(cin, groups, (int) k[0], (int) k[1], (int) s[0], (int) s[1], (int) dl[0],
                        (int) dl[1], (int) p[0], (int) p[1], (int) p[2], (int) p[3])
                : new ConvGeometry(cin, groups, 1, (int) k[0], 1, (int) s[0], 1, (int) dl[0], 0, (int) p[0], 0,
                        (int) p[1]);
        return CalibrationTarget.conv(name, n.getInput(0), g);
    }

    private static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long intAttr(OnnxMl.NodeProto n, String name, long dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    private static String stringAttr(OnnxMl.NodeProto n, String name, String dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    private static long[] intsAttr(OnnxMl.NodeProto n, String name, int len, long dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        long[] out = new long[len];
        java.util.Arrays.fill(out, dflt);
        if (a != null) {
            if (a.getIntsCount() != len) {
                throw new InvalidModelException("node '" + n.getName() + "' has attribute " + name + " of length "
                        + a.getIntsCount() + ", expected " + len);
            }
            for (int k = 0; k < len; k++) {
                out[k] = a.getInts(k);
            }
        }
        return out;
    }
}
