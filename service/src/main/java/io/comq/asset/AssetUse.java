package io.comq.asset;

/**
 * Who still needs an asset: the jobs answer (their repository implements this), so that this package does not reach
 * into the jobs' and an asset in use is not deleted under a running job.
 */
public interface AssetUse {
    /** Jobs, queued or running, that use this asset as model or calibration set. */
    long countActiveUsing(String assetId);
}
