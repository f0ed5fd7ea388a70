package io.comq.format.onnx;

import io.comq.format.AtomicFile;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

/**
 * Saving a model: everything inline when it fits under the threshold (external tensors of the source are read in),
 * else every tensor of at least {@link WriteOptions#EXTERNAL_MIN_BYTES} goes to {@code <model file>.data} beside it
 * (the source's external tensors copied file to file, whatever their size).
 * Files are written to temporary siblings and moved into place, the data file before the model.
 */
final class ModelFiles {
    private ModelFiles() {
    }

    /** Saves {@code m} to {@code out}; returns the external data file, or null when there is none. */
    static Path save(ModelProto m, ExternalData source, Path out, long threshold) {
        Path target = out.toAbsolutePath();
        long total = tensorBytes(m.getGraph());
        if (total <= threshold) {
            ModelProto inline = m.toBuilder().setGraph(mapTensors(m.getGraph(), t -> ExternalData.isExternal(t)
                    ? inline(t, source) : t)).build();
            atomic(target, o -> inline.writeTo(o));
            return null;
        }
        String dataName = target.getFileName() + ".data";
        Path data = target.resolveSibling(dataName);
        Path tmp = AtomicFile.sibling(data);
        try {
            GraphProto g;
            try (FileChannel o = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                g = toExternal(m.getGraph(), source, o, dataName);
                o.force(false);
            }
            ModelProto external = m.toBuilder().setGraph(g).build();
            AtomicFile.replace(tmp, data);
            tmp = null;
            atomic(target, external::writeTo);
            return data;
        } catch (IOException | UncheckedIOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(),
                    e instanceof IOException ? (IOException) e : ((UncheckedIOException) e).getCause());
        } finally {
            AtomicFile.deleteQuietly(tmp);
        }
    }

    /**
     * Appends every tensor of at least the minimum size (and every external one) to {@code o}, in order: inline bytes
     * are written, external ones copied file to file, so a source tensor of any size never passes through the heap.
     */
    private static GraphProto toExternal(GraphProto graph, ExternalData source, FileChannel o, String dataName) {
        long[] offset = {0};
        return mapTensors(graph, t -> {
            long length;
            try {
                if (ExternalData.isExternal(t)) {
                    length = source.copyTo(t, o);
                } else if (t.hasRawData() && t.getRawData().size() >= WriteOptions.EXTERNAL_MIN_BYTES) {
                    length = t.getRawData().size();
                    for (ByteBuffer b : t.getRawData().asReadOnlyByteBufferList()) {
                        while (b.hasRemaining()) {
                            o.write(b);
                        }
                    }
                } else {
                    return t;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            TensorProto moved = t.toBuilder().clearRawData().clearExternalData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", dataName))
                    .addExternalData(entry("offset", Long.toString(offset[0])))
                    .addExternalData(entry("length", Long.toString(length))).build();
            offset[0] += length;
            return moved;
        });
    }

    private static TensorProto inline(TensorProto t, ExternalData source) {
        return t.toBuilder().clearExternalData().clearDataLocation()
                .setRawData(ByteString.copyFrom(source.read(t, TensorCodec.byteSize(t)))).build();
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /**
     * Bytes of every tensor of every graph, inline or external (counted as a long: protobuf's own int size would
     * overflow past 2 GB). The rest of a model is small next to its tensors.
     */
    private static long tensorBytes(GraphProto g) {
        long[] sum = {0};
        mapTensors(g, t -> {
            long len = ExternalData.isExternal(t) ? ExternalData.declaredLength(t) : -1;
            sum[0] += len >= 0 ? len : TensorCodec.byteSize(t);
            return t;
        });
        return sum[0];
    }

    /** Applies {@code f} to every initializer and Constant value of every graph, in order; unchanged parts stay. */
    static GraphProto mapTensors(GraphProto g, UnaryOperator<TensorProto> f) {
        GraphProto.Builder b = g.toBuilder();
        for (int k = 0; k < g.getInitializerCount(); k++) {
            b.setInitializer(k, f.apply(g.getInitializer(k)));
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            NodeProto.Builder nb = null;
            for (int a = 0; a < n.getAttributeCount(); a++) {
                AttributeProto at = n.getAttribute(a);
                if (!at.hasT() && !at.hasG() && at.getGraphsCount() == 0) {
                    continue;
                }
                AttributeProto.Builder ab = at.toBuilder();
                if (at.hasT()) {
                    ab.setT(f.apply(at.getT()));
                }
                if (at.hasG()) {
                    ab.setG(mapTensors(at.getG(), f));
                }
                for (int k = 0; k < at.getGraphsCount(); k++) {
                    ab.setGraphs(k, mapTensors(at.getGraphs(k), f));
                }
                if (nb == null) {
                    nb = n.toBuilder();
                }
                nb.setAttribute(a, ab);
            }
            if (nb != null) {
                b.setNode(i, nb);
            }
        }
        return b.build();
    }

    /** Writes {@code target} atomically (a temporary sibling moved over it). */
    static void atomic(Path target, AtomicFile.Writer content) {
        AtomicFile.write(target, content);
    }
}
