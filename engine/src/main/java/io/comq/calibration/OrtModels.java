package io.comq.calibration;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.error.InvalidModelException;
import java.nio.file.Path;

/**
 * ONNX Runtime sessions for models held in memory (an augmented copy of the user's model). A model whose tensors live
 * in external data files is handed to ONNX Runtime with the folder those files are in
 * ({@code session.model_external_initializers_file_folder_path}), so the side files are read, memory-mapped where
 * ONNX Runtime can, from where they are and never copied into the protobuf.
 */
public final class OrtModels {
    /** The session configuration key naming the folder of external data for a model loaded from bytes. */
    static final String EXTERNAL_FOLDER_KEY = "session.model_external_initializers_file_folder_path";

    private OrtModels() {
    }

    /**
     * A session for {@code model}; {@code externalDataDir} is the folder its external data locations are relative to
     * (the folder of the model file), or null for a model with every tensor inline.
     *
     * @throws InvalidModelException if ONNX Runtime cannot load the model, or it has external data but no folder
     */
    public static OrtSession session(OrtEnvironment env, OnnxMl.ModelProto model, Path externalDataDir,
                                     OrtSession.SessionOptions so) {
        boolean external = hasExternalData(model.getGraph());
        if (external && externalDataDir == null) {
            throw new InvalidModelException("the model keeps tensors in external data files, but no folder to read "
                    + "them from was given");
        }
        try {
            if (external) {
                so.addConfigEntry(EXTERNAL_FOLDER_KEY, externalDataDir.toAbsolutePath().toString());
            }
            return env.createSession(model.toByteArray(), so);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    /** True when some initializer or Constant value of some graph is stored externally. */
    static boolean hasExternalData(OnnxMl.GraphProto g) {
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                return true;
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasT() && a.getT().getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL
                        || a.hasG() && hasExternalData(a.getG())) {
                    return true;
                }
                for (OnnxMl.GraphProto sub : a.getGraphsList()) {
                    if (hasExternalData(sub)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
