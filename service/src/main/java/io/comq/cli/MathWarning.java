package io.comq.cli;

import io.comq.quant.linalg.Linalg;
import java.io.PrintWriter;

/** The line a command prints on stderr when OpenBLAS was off (failed self-test or guard) and plain Java computed. */
final class MathWarning {
    private MathWarning() {
    }

    static void print(PrintWriter err) {
        Linalg.process().warning().ifPresent(w -> err.println("comq: warning: " + w));
        err.flush();
    }
}
