package io.comq.format.onnx;

/** What discovery made of one node: a layer, or the reason it is not one. */
record Candidate(OnnxLayer layer, String skipReason) {
    static Candidate of(OnnxLayer layer) {
        return new Candidate(layer, null);
    }

    static Candidate skip(String reason) {
        return new Candidate(null, reason);
    }
}
