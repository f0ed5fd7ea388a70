package io.comq.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.comq.report.Environment;
import java.util.List;
import java.util.Map;

/**
 * {@code report.json} of {@code comq layer}: what was quantized, how, how well, and the checksum of every file written
 * beside it. Keys are snake_case.
 *
 * @param shape            layer shape
 * @param inputs           where the arrays came from
 * @param config           every setting of the run, defaults included
 * @param rtnRelError      relative error of round-to-nearest on the same grid
 * @param relErrorPerSweep relative error after each COMQ sweep (empty for RTN and GPTQ)
 * @param relError         final relative error {@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}
 * @param timeMs           wall time of the quantization (loading and writing excluded)
 * @param backend          kernel backend that ran
 * @param device           the device, in words
 * @param threads          worker threads used
 * @param guards           numeric guards applied
 * @param environment      where it ran: CPU, Java, the checked math (OpenBLAS version, core, self-test), kernels
 * @param files            written files (all but this report) with size and SHA-256
 */
record LayerReport(String tool, Shape shape, Inputs inputs, Config config, double rtnRelError,
                   double[] relErrorPerSweep, double relError, double timeMs, String backend, String device, int threads,
                   List<String> guards, Environment environment, Map<String, OutputDir.FileInfo> files) {

    /** Layer shape: {@code W} is {@code (in, out)}; {@code groups} grids per output channel. */
    record Shape(int in, int out, int groups) {
    }

    /** Sources of the arrays ({@code null} when not given); {@code samples} rows behind H when computed from X. */
    record Inputs(String weights, String gram, String inputs, String meanRow, long samples) {
    }

    /** Every option of the run, after defaults. */
    record Config(String method, int bits, String grid, double ratio, int groupSize, String tie, String precision,
                  int sweeps, String order, String init, String scaleUpdate, double damp, boolean actOrder,
                  int blockSize, boolean biasCorrection, String backend, int threads) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** This report with the written files filled in. */
    LayerReport withFiles(Map<String, OutputDir.FileInfo> written) {
        return new LayerReport(tool, shape, inputs, config, rtnRelError, relErrorPerSweep, relError, timeMs, backend,
                device, threads, guards, environment, written);
    }

    /** The report as pretty-printed JSON bytes (UTF-8). */
    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the report: " + e.getMessage(), e);
        }
    }
}
