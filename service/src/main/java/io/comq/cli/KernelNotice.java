package io.comq.cli;

import java.io.PrintWriter;

/**
 * The note a command prints once, before its work, when {@code java -jar} was started without the Vector API module:
 * the fast kernel ({@code cpu-simd}) cannot load, the scalar one runs, and nothing else would say why it is slower.
 */
final class KernelNotice {
    static final String MODULE = "jdk.incubator.vector";

    private KernelNotice() {
    }

    /** Prints the note if {@code backend} is {@code auto} and the module is missing. */
    static void print(PrintWriter err, String backend) {
        if ("auto".equals(backend) && ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            err.println("comq: note: the SIMD kernel (cpu-simd) needs the JDK module " + MODULE + ", which this "
                    + "JVM was started without: the scalar kernel runs, 1.5 to 3 times slower. Start java with "
                    + "--add-modules " + MODULE + " (as the README's command and the container image do)");
            err.flush();
        }
    }
}
