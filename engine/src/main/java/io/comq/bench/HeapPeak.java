package io.comq.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * Peak Java heap over a stretch of code, from the heap memory pools' peak usage. The sum of the pools' peaks bounds
 * the true peak from above (the pools need not peak together); off-heap memory (ND4J buffers) is not counted.
 */
final class HeapPeak {

    private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();

    /** Collects garbage and starts a new measurement. */
    void reset() {
        System.gc();
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** Bytes: the sum over heap pools of their peak usage since {@link #reset()}. */
    long peakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : pools) {
            sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** Bytes in use now, after a collection. */
    long liveBytes() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
