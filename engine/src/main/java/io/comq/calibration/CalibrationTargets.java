package io.comq.calibration;

import io.comq.error.InvalidModelException;
import io.comq.format.onnx.ConvAttributes;
import io.comq.format.onnx.OnnxLayer;
import io.comq.option.Setting;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps the layers that ONNX discovery found ({@link io.comq.format.onnx.OnnxModel#layers}) to calibration targets: the
 * layer id names the target, its input tensor feeds it, and a Conv's attributes become its im2col geometry.
 */
public final class CalibrationTargets {
    private CalibrationTargets() {
    }

    /** The targets of these layers, in order. */
    public static List<CalibrationTarget> of(List<OnnxLayer> layers) {
        List<CalibrationTarget> out = new ArrayList<>(layers.size());
        for (OnnxLayer l : layers) {
            out.add(of(l));
        }
        return out;
    }

    /**
     * The target of one layer.
     *
     * @throws InvalidModelException if calibration cannot read the layer's input: a layer inside a subgraph (see
     *                               {@link CalibrationPlan}), or a Conv with more than two spatial axes or an unknown
     *                               {@code auto_pad}
     */
    public static CalibrationTarget of(OnnxLayer layer) {
        if (!layer.graphPath().isEmpty()) {
            throw new InvalidModelException("layer " + layer.id() + " is inside a subgraph, whose input the main graph "
                    + "does not see; calibrate it through a CalibrationPlan");
        }
        return of(layer, layer.inputName());
    }

    /** The target of a layer whose input the model to run calls {@code activation}. */
    static CalibrationTarget of(OnnxLayer layer, String activation) {
        if (layer.conv() == null) {
            return CalibrationTarget.dense(layer.id(), activation, layer.in());
        }
        ConvAttributes c = layer.conv();
        int spatial = c.kernelShape().size();
        ConvGeometry.AutoPad autoPad;
        try {
            autoPad = ConvGeometry.AutoPad.of(c.autoPad());
        } catch (io.comq.error.InvalidInputException e) {
            throw new InvalidModelException("conv " + layer.id() + ": " + e.getMessage());
        }
        if (spatial != 1 && spatial != 2) {
            throw new InvalidModelException("conv " + layer.id() + " has " + spatial + " spatial axes; calibration "
                    + "supports 1-D and 2-D convs; exclude it (" + Setting.EXCLUDE.ref() + ")");
        }
        boolean explicit = autoPad == ConvGeometry.AutoPad.NOTSET;
        int cin = (int) (layer.groups() * layer.weightShape().get(1));
        int[] k = ints(c.kernelShape());
        int[] s = ints(c.strides());
        int[] d = ints(c.dilations());
        int[] p = explicit ? ints(c.pads()) : new int[2 * spatial];
        ConvGeometry g = spatial == 2
                ? new ConvGeometry(cin, layer.groups(), k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1], p[2], p[3])
                : new ConvGeometry(cin, layer.groups(), 1, k[0], 1, s[0], 1, d[0], 0, p[0], 0, p[1]);
        if (!explicit) {
            g = g.withAutoPad(autoPad);
        }
        if (g.patchSize() != layer.in()) {
            throw new InvalidModelException("conv " + layer.id() + " makes patches of " + g.patchSize()
                    + " values but its weight has " + layer.in() + " inputs per output channel");
        }
        return CalibrationTarget.conv(layer.id(), activation, g);
    }

    private static int[] ints(List<Long> v) {
        int[] out = new int[v.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = Math.toIntExact(v.get(k));
        }
        return out;
    }
}
