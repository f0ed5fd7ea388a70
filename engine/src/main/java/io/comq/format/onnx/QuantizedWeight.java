package io.comq.format.onnx;

import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.util.List;

/**
 * A layer's quantization results laid out like its stored weight, viewed as 2-D: {@code (in, out)} for
 * {@link WeightLayout#IN_OUT}, {@code (groups * out, in)} for {@link WeightLayout#OUT_IN} (a Conv weight's trailing
 * axes flattened). Scales, lo and hi are per cell: {@code (out)} or {@code (blocks, out)} for IN_OUT, {@code (out)} or
 * {@code (out, blocks)} for OUT_IN, blocks running along the input axis.
 */
final class QuantizedWeight {
    final OnnxLayer layer;
    final GridSpec grid;
    final int rows;
    final int cols;
    /** Signed codes {@code z}, row-major {@code (rows, cols)}. */
    final int[] codes;
    final double[] scales;
    final int[] lo;
    final int[] hi;
    /** Blocks along the input axis (1 when per-channel). */
    final int blocks;
    /** Bias correction over all output channels, or null. */
    final double[] biasCorrection;

    private QuantizedWeight(OnnxLayer layer, GridSpec grid, int rows, int cols, int[] codes, double[] scales, int[] lo,
                            int[] hi, int blocks, double[] bias) {
        this.layer = layer;
        this.grid = grid;
        this.rows = rows;
        this.cols = cols;
        this.codes = codes;
        this.scales = scales;
        this.lo = lo;
        this.hi = hi;
        this.blocks = blocks;
        this.biasCorrection = bias;
    }

    boolean blocked() {
        return grid.groupSize() > 0 && blocks > 1;
    }

    int blockSize() {
        return grid.rowsPerGroup(layer.in());
    }

    static QuantizedWeight of(OnnxLayer layer, List<LayerResult> results) {
        if (results == null || results.size() != layer.groups()) {
            throw new InvalidInputException("layer " + layer.id() + " has " + layer.groups() + " group(s) but "
                    + (results == null ? 0 : results.size()) + " result(s) were given");
        }
        LayerResult first = results.get(0);
        GridSpec grid = first.grid();
        int in = layer.in();
        int out = layer.out();
        int blocks = grid.groups(in);
        boolean anyBias = false;
        for (LayerResult r : results) {
            if (r.in() != in || r.out() != out) {
                throw new ShapeMismatchException("layer " + layer.id() + " has W of shape (" + in + ", " + out
                        + ") per group but a result is (" + r.in() + ", " + r.out() + ")");
            }
            if (!r.grid().equals(grid)) {
                throw new InvalidInputException("the groups of layer " + layer.id() + " were quantized on different grids ("
                        + grid + " and " + r.grid() + "); use one grid per layer");
            }
            if (r.scales().rows() != blocks || r.scales().cols() != out) {
                throw new ShapeMismatchException("layer " + layer.id() + ": scales are (" + r.scales().rows() + ", "
                        + r.scales().cols() + "), expected (" + blocks + ", " + out + ")");
            }
            anyBias |= r.biasCorrection() != null;
        }
        int total = layer.outputChannels();
        double[] bias = anyBias ? new double[total] : null;
        for (int g = 0; g < results.size(); g++) {
            double[] b = results.get(g).biasCorrection();
            if (b != null) {
                System.arraycopy(b, 0, bias, g * out, out);
            }
        }
        if (layer.layout() == WeightLayout.IN_OUT) {
            LayerResult r = first;
            return new QuantizedWeight(layer, grid, in, out, r.codes().clone(), r.scales().data().clone(),
                    r.lo().clone(), r.hi().clone(), blocks, bias);
        }
        int[] codes = new int[total * in];
        double[] scales = new double[total * blocks];
        int[] lo = new int[total * blocks];
        int[] hi = new int[total * blocks];
        for (int g = 0; g < results.size(); g++) {
            LayerResult r = results.get(g);
            for (int j = 0; j < out; j++) {
                int row = g * out + j;
                for (int i = 0; i < in; i++) {
                    codes[row * in + i] = r.codes()[i * out + j];
                }
                for (int b = 0; b < blocks; b++) {
                    scales[row * blocks + b] = r.scales().data()[b * out + j];
                    lo[row * blocks + b] = r.lo()[b * out + j];
                    hi[row * blocks + b] = r.hi()[b * out + j];
                }
            }
        }
        return new QuantizedWeight(layer, grid, total, in, codes, scales, lo, hi, blocks, bias);
    }
}
