package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidModelException;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An ONNX model read from a file: its protobuf, the folder its external data lives in, and the layers the engine can
 * quantize. Tensors are decoded on demand, so a model with large external data costs little until weights are asked
 * for. The public entry point for reading models.
 */
public final class OnnxModel {
    private final ModelProto proto;
    private final Path file;
    private final ExternalData external;
    private final OpHandlers handlers = OpHandlers.standard();
    private final Map<String, Graphs.Scope> scopes = new HashMap<>();
    private final Map<String, GraphProto> graphs = new HashMap<>();

    private OnnxModel(ModelProto proto, Path file, Path baseDir) {
        this.proto = proto;
        this.file = file;
        this.external = new ExternalData(baseDir);
        Graphs.walk(proto.getGraph(), "", null, (path, g, scope) -> {
            scopes.put(path, scope);
            graphs.put(path, g);
        });
    }

    /**
     * Reads a {@code .onnx} file. External data is looked up relative to the file's folder when weights are read.
     *
     * @throws InvalidModelException if the file is missing, not ONNX, truncated, over 2 GB, or has no graph
     */
    public static OnnxModel load(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(file, "no such file");
        } catch (IOException e) {
            throw new InvalidModelException(file, "cannot read: " + e.getMessage());
        }
        if (size == 0) {
            throw new InvalidModelException(file, "empty file, not an ONNX model");
        }
        if (size >= Integer.MAX_VALUE) {
            throw new InvalidModelException(file, "is " + size + " bytes; a protobuf cannot exceed 2 GB, so save the "
                    + "model with its weights as external data");
        }
        ModelProto proto;
        try {
            CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(file));
            in.setSizeLimit(Integer.MAX_VALUE);
            in.setRecursionLimit(512);
            proto = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException(file, "not an ONNX model, or a truncated one (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidModelException(file, "cannot read: " + e.getMessage());
        }
        check(proto, file);
        Path abs = file.toAbsolutePath();
        return new OnnxModel(proto, abs, abs.getParent());
    }

    /** A model held in memory (built in code, say); external data, if any, is read from {@code baseDir}. */
    public static OnnxModel of(ModelProto proto, Path baseDir) {
        check(proto, null);
        return new OnnxModel(proto, null, baseDir);
    }

    private static void check(ModelProto proto, Path file) {
        String where = file == null ? "model: " : file + ": ";
        if (!proto.hasGraph()) {
            throw new InvalidModelException(where + "not an ONNX model, or a truncated one: it has no graph");
        }
        if (proto.getIrVersion() <= 0 || proto.getOpsetImportCount() == 0) {
            throw new InvalidModelException(where + "not an ONNX model, or a truncated one: it declares no "
                    + (proto.getIrVersion() <= 0 ? "IR version" : "operator set"));
        }
    }

    public ModelProto proto() {
        return proto;
    }

    /** The file the model was read from, or null when built in memory. */
    public Path file() {
        return file;
    }

    /** The ai.onnx operator set version the model imports (0 if none). */
    public long opset() {
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 0;
    }

    ExternalData external() {
        return external;
    }

    /** Every quantizable layer and every MatMul/Gemm/Conv node that is not one, with the reason. */
    public Discovery discover() {
        List<OnnxLayer> layers = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Graphs.walk(proto.getGraph(), "", null, (path, g, scope) -> {
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto n = g.getNode(i);
                Candidate c = handlers.of(n).discover(n, i, path, scope);
                if (c == null) {
                    continue;
                }
                if (c.layer() != null) {
                    layers.add(c.layer());
                } else {
                    skipped.add((path.isEmpty() ? "" : path + "/") + c.skipReason());
                }
            }
        });
        return new Discovery(layers, skipped);
    }

    /**
     * The layers to quantize under {@code selection}.
     *
     * @throws InvalidModelException  if the model has no quantizable layer at all
     * @throws InvalidConfigException if the selection leaves none, or a bit override names no layer
     */
    public List<OnnxLayer> layers(LayerSelection selection) {
        Discovery d = discover();
        if (d.layers().isEmpty()) {
            String why = d.skipped().isEmpty() ? "it has no MatMul, Gemm or Conv node"
                    : d.skipped().size() + " MatMul/Gemm/Conv node(s) without a usable constant weight: "
                    + d.skipped().stream().limit(5).collect(Collectors.joining("; "));
            throw new InvalidModelException((file == null ? "model" : file.toString())
                    + ": no quantizable layer found: " + why);
        }
        List<String> unknown = selection.unmatchedOverrides(d.layers());
        if (!unknown.isEmpty()) {
            throw new InvalidConfigException("bit override(s) " + unknown + " name no layer of the model; layers are "
                    + d.layers().stream().limit(10).map(OnnxLayer::id).collect(Collectors.joining(", "))
                    + (d.layers().size() > 10 ? ", ..." : ""));
        }
        List<OnnxLayer> chosen = d.layers().stream().filter(selection::selects).collect(Collectors.toList());
        if (chosen.isEmpty()) {
            throw new InvalidConfigException("the layer selection (exclude " + selection.exclude() + ", op types "
                    + selection.opTypes() + ") leaves none of the model's " + d.layers().size() + " layers");
        }
        return chosen;
    }

    /** A constant tensor (initializer or Constant node output) visible in the graph at {@code graphPath}. */
    public DenseTensor tensor(String graphPath, String name) {
        Graphs.Scope scope = scopes.get(graphPath);
        TensorProto t = scope == null ? null : scope.find(name);
        if (t == null) {
            throw new InvalidModelException("no constant tensor '" + name + "' in graph '" + graphPath + "'");
        }
        return TensorCodec.decode(t, external);
    }

    /**
     * The layer's weight as the engine sees it, one {@code W (in, out)} per group: float64 for DOUBLE weights, float32
     * otherwise.
     */
    public List<Matrix> weights(OnnxLayer layer) {
        DenseTensor t = tensor(layer.graphPath(), layer.weightName());
        if (!t.shape().equals(layer.weightShape())) {
            throw new InvalidModelException("weight " + layer.weightName() + " has shape " + t.shape() + ", but layer "
                    + layer.id() + " expects " + layer.weightShape());
        }
        int in = layer.in();
        int out = layer.out();
        if (layer.layout() == WeightLayout.IN_OUT) {
            return List.of(t.reshape(in, out));
        }
        List<Matrix> ws = new ArrayList<>(layer.groups());
        double[] v = t.values();
        for (int g = 0; g < layer.groups(); g++) {
            double[] w = new double[in * out];
            for (int j = 0; j < out; j++) {
                int row = (g * out + j) * in;
                for (int i = 0; i < in; i++) {
                    w[i * out + j] = v[row + i];
                }
            }
            ws.add(new DenseTensor(t.name(), List.of((long) in, (long) out), t.type(), w).reshape(in, out));
        }
        return ws;
    }

    /** Every graph, by path. */
    Map<String, GraphProto> graphs() {
        return Map.copyOf(graphs);
    }
}
