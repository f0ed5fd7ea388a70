package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

/**
 * ONNX Runtime's {@code com.microsoft.MatMulNBits} (contrib op, {@code docs/ContribOperators.md}): attributes K, N,
 * bits, block_size; inputs A, B as packed uint8 {@code [N, n_blocks, block_size * bits / 8]} (4-bit values along K,
 * the first of each pair in the low nibble), scales {@code [N * n_blocks]} of A's type and, unless every block uses
 * the default 8, zero points packed the same way as {@code [N * ceil(n_blocks / 2)]} uint8. Dequantized weight:
 * {@code (u - zp) * scale}. The last block of a K that block_size does not divide is padded with the zero point.
 */
final class MatMulNBits {
    private MatMulNBits() {
    }

    static final int BITS = 4;
    private static final int DEFAULT_ZERO_POINT = 8;

    /** The block size for a layer, or 0 when it cannot be written as MatMulNBits. */
    static int blockSize(QuantizedWeight qw) {
        if (qw.layer.layout() != WeightLayout.IN_OUT || qw.grid.bits() > BITS) {
            return 0;
        }
        if (!qw.blocked()) {
            return qw.layer.in() >= 128 ? 128 : 32;
        }
        int g = qw.blockSize();
        return g >= 16 && Integer.bitCount(g) == 1 ? g : 0;
    }

    /** The MatMulNBits node replacing the MatMul of {@code rw}, or null to fall back to QDQ. */
    static NodeProto rewrite(NodeRewrite rw) {
        QuantizedWeight qw = rw.weight();
        int bs = blockSize(qw);
        if (bs == 0) {
            return null;
        }
        int k = qw.rows;
        int n = qw.cols;
        int nb = (k + bs - 1) / bs;
        // per (column, block): the engine cell it belongs to (blocks coincide with groups, or per-channel)
        int[] lo = new int[n * nb];
        int[] hi = new int[n * nb];
        double[] scales = new double[n * nb];
        for (int j = 0; j < n; j++) {
            for (int b = 0; b < nb; b++) {
                int cell = qw.blocked() ? b * n + j : j;
                lo[j * nb + b] = qw.lo[cell];
                hi[j * nb + b] = qw.hi[cell];
                scales[j * nb + b] = qw.scales[cell];
            }
        }
        int[] zp = uint4ZeroPoints(lo, hi);
        if (zp == null) {
            return null;
        }
        int blob = bs * BITS / 8;
        byte[] packed = new byte[n * nb * blob];
        for (int j = 0; j < n; j++) {
            for (int b = 0; b < nb; b++) {
                int z0 = zp[j * nb + b];
                for (int t = 0; t < bs; t++) {
                    int i = b * bs + t;
                    int u = i < k ? qw.codes[i * n + j] + z0 : z0;
                    int at = (j * nb + b) * blob + t / 2;
                    packed[at] |= (byte) ((t & 1) == 0 ? u & 0xF : (u & 0xF) << 4);
                }
            }
        }
        OnnxLayer l = qw.layer;
        String base = l.weightName();
        int scaleType = l.weightType() == DataType.FLOAT16 ? DataType.FLOAT16_VALUE : DataType.FLOAT_VALUE;
        NodeProto.Builder node = NodeProto.newBuilder().setOpType("MatMulNBits").setDomain("com.microsoft")
                .setName(rw.node().getName().isEmpty() ? rw.fresh(base + "_matmulnbits") : rw.node().getName())
                .addInput(rw.node().getInput(0))
                .addInput(rw.addInitializer(TensorCodec.raw(rw.fresh(base + "_q4"), new long[] {n, nb, blob},
                        DataType.UINT8, packed)))
                .addInput(rw.addInitializer(TensorCodec.floats(rw.fresh(base + "_scales"), new long[] {(long) n * nb},
                        scales, scaleType)))
                .addOutput(rw.node().getOutput(0))
                .addAttribute(NodeAttributes.ofInt("K", k)).addAttribute(NodeAttributes.ofInt("N", n))
                .addAttribute(NodeAttributes.ofInt("bits", BITS)).addAttribute(NodeAttributes.ofInt("block_size", bs));
        boolean defaults = true;
        for (int z : zp) {
            defaults &= z == DEFAULT_ZERO_POINT;
        }
        if (!defaults) {
            int half = (nb + 1) / 2;
            byte[] zpPacked = new byte[n * half];
            for (int j = 0; j < n; j++) {
                for (int b = 0; b < nb; b++) {
                    int z = zp[j * nb + b] & 0xF;
                    zpPacked[j * half + b / 2] |= (byte) ((b & 1) == 0 ? z : z << 4);
                }
            }
            node.addInput(rw.addInitializer(TensorCodec.raw(rw.fresh(base + "_zero_points"),
                    new long[] {(long) n * half}, DataType.UINT8, zpPacked)));
        }
        rw.requireMicrosoftDomain();
        rw.weightReplaced();
        rw.represent("MatMulNBits bits=4 block_size=" + bs + (defaults ? "" : " with zero points"));
        return node.build();
    }

    /** Zero points in [0, 15] that store every block, preferring the default 8; null if a block does not fit. */
    static int[] uint4ZeroPoints(int[] lo, int[] hi) {
        int[] zp = new int[lo.length];
        for (int c = 0; c < lo.length; c++) {
            int from = Math.max(-lo[c], 0);
            int to = Math.min(15 - hi[c], 15);
            if (from > to) {
                return null;
            }
            zp[c] = Math.max(from, Math.min(to, DEFAULT_ZERO_POINT));
        }
        return zp;
    }

}
