package io.comq.quant;

import java.util.List;

/**
 * What a method hands back to {@link LayerQuantizer}: codes on a grid, plus what it recorded on the way.
 *
 * @param codes       signed codes, row-major {@code (in, out)}, in the original input order
 * @param grid        the grid the codes live on (GPTQ with groups and COMQ with scale updates change it)
 * @param errPerSweep absolute error {@code tr((Wq-W)^T H (Wq-W))} after each COMQ sweep (empty otherwise)
 * @param guards      numeric guards applied, human-readable
 */
public record Quantized(int[] codes, QuantGrid grid, double[] errPerSweep, List<String> guards) {
    public Quantized {
        guards = List.copyOf(guards);
    }
}
