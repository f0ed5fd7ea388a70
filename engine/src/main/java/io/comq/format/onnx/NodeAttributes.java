package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.List;

/** Attribute look-ups with defaults. */
final class NodeAttributes {
    private NodeAttributes() {
    }

    static AttributeProto find(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long getInt(NodeProto n, String name, long dflt) {
        AttributeProto a = find(n, name);
        return a == null ? dflt : a.getI();
    }

    static float getFloat(NodeProto n, String name, float dflt) {
        AttributeProto a = find(n, name);
        return a == null ? dflt : a.getF();
    }

    static String getString(NodeProto n, String name, String dflt) {
        AttributeProto a = find(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    static List<Long> getInts(NodeProto n, String name, List<Long> dflt) {
        AttributeProto a = find(n, name);
        return a == null || a.getIntsCount() == 0 ? dflt : a.getIntsList();
    }

    static AttributeProto ofInt(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto ofInts(String name, List<Long> v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS).addAllInts(v)
                .build();
    }

    static boolean standardDomain(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }
}
