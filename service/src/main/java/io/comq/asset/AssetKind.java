package io.comq.asset;

/** What an upload is. */
public enum AssetKind {
    MODEL("models"),
    CALIBRATION_SET("calibration-sets");

    private final String folder;

    AssetKind(String folder) {
        this.folder = folder;
    }

    /** The blob key prefix, and the API collection, of this kind. */
    public String folder() {
        return folder;
    }
}
