package io.comq.quant.linalg;

import io.comq.error.InvalidConfigException;
import io.comq.error.NativeMathException;
import io.comq.platform.Cpu;
import io.comq.numeric.Precision;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The math a process uses, chosen once and checked, never assumed: OpenBLAS if it passes {@link SelfTest} on this CPU,
 * the pure-Java {@link JavaMath} otherwise (slower, correct), or a refusal when {@code COMQ_MATH=native} asked for
 * OpenBLAS alone. The guarded operations also check each result's residual; a result OpenBLAS got wrong that plain
 * Java gets right turns OpenBLAS off for the rest of the process, and the reports say so.
 *
 * <p>{@link #process()} is the process's instance (the self-test runs on its first use); {@link #select} makes one
 * from any candidate, for tests that feed a broken native path.
 */
public final class Linalg {

    /** What {@code COMQ_MATH} (or {@code -Dcomq.math}) asks for. */
    public enum Mode {
        /** OpenBLAS if its self-test passes, else pure Java with a warning. The default. */
        AUTO,
        /** OpenBLAS or nothing: a failed self-test or guard refuses the work. */
        NATIVE,
        /** Pure Java always; OpenBLAS is not loaded. */
        JAVA;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The mode {@code COMQ_MATH} or the system property {@code comq.math} names; {@code auto} when unset. */
        public static Mode configured() {
            String v = System.getProperty("comq.math", System.getenv("COMQ_MATH"));
            if (v == null || v.isBlank()) {
                return AUTO;
            }
            for (Mode m : values()) {
                if (m.id().equals(v.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new InvalidConfigException("COMQ_MATH='" + v + "' is not a math mode: use auto, native or java");
        }
    }

    /** Residual of a float64 result above which plain Java is asked for a second opinion. */
    private static final double SUSPECT_F64 = 1e-6;
    /** The same for float32 results (float32's rounding on an ill-conditioned {@code H} reaches 1e-3). */
    private static final double SUSPECT_F32 = 5e-2;

    private final Mode mode;
    private final DenseMath candidate;
    private final String loadError;
    private final SelfTest.Result selfTest;
    private final DenseMath java = new JavaMath();
    private final CompletableFuture<String> core;
    private final AtomicReference<String> distrust = new AtomicReference<>();

    private Linalg(Mode mode, DenseMath candidate, String loadError, SelfTest.Result selfTest,
                   CompletableFuture<String> core) {
        this.mode = mode;
        this.candidate = candidate;
        this.loadError = loadError;
        this.selfTest = selfTest;
        this.core = core;
    }

    private static final class Holder {
        static final Linalg PROCESS = select(Mode.configured(),
                () -> DrillMath.wrap(new OpenBlasMath(), System.getProperty("comq.math.drill")), CoreProbe.start());
    }

    /** The process's math; its self-test runs on the first call. */
    public static Linalg process() {
        return Holder.PROCESS;
    }

    /**
     * Loads the candidate native math (unless {@code mode} is {@code java}) and runs the self-test on it.
     *
     * @param core the OpenBLAS core the candidate runs, for messages (completed or still being probed)
     */
    public static Linalg select(Mode mode, Supplier<DenseMath> nativeMath, CompletableFuture<String> core) {
        if (mode == Mode.JAVA) {
            return new Linalg(mode, null, null, null, core);
        }
        DenseMath candidate;
        try {
            candidate = nativeMath.get();
        } catch (Throwable e) { // UnsatisfiedLinkError and friends: no native math on this machine
            return new Linalg(mode, null, "OpenBLAS could not be loaded: " + e, null, core);
        }
        return new Linalg(mode, candidate, null, SelfTest.run(candidate), core);
    }

    /**
     * The math to compute with now.
     *
     * @throws NativeMathException if native math was required ({@code COMQ_MATH=native}) and cannot be trusted here
     */
    public DenseMath math() {
        String why = fallbackReason();
        if (why == null) {
            return candidate == null ? java : candidate;
        }
        if (mode == Mode.NATIVE) {
            throw new NativeMathException("COMQ_MATH=native, but " + why + "; on " + where()
                    + ". Unset COMQ_MATH (or set it to auto) to run on the pure-Java math, which is slower and correct");
        }
        return java;
    }

    /** True if OpenBLAS computes (it passed its self-test and no guard caught it since). */
    public boolean usesNative() {
        return candidate != null && fallbackReason() == null;
    }

    /** Why OpenBLAS is not used although asked for, or null. */
    private String fallbackReason() {
        if (mode == Mode.JAVA) {
            return null;
        }
        if (loadError != null) {
            return loadError;
        }
        if (!selfTest.passed()) {
            return "OpenBLAS failed its self-test against plain Java (" + selfTest.failures().size() + " of its checks: "
                    + selfTest.failures().get(0) + ")";
        }
        return distrust.get();
    }

    /** The warning a front end prints when OpenBLAS is asked for but plain Java runs, or empty. */
    public Optional<String> warning() {
        String why = fallbackReason();
        if (why == null) {
            return Optional.empty();
        }
        return Optional.of(mode == Mode.NATIVE ? "native math refused: " + why + "; on " + where()
                : "native math is off: " + why + "; on " + where() + ". Using the pure-Java math (slower, correct)");
    }

    /** The CPU, OpenBLAS version and core, for messages. */
    private String where() {
        return Cpu.current().model() + ", OpenBLAS " + OpenBlasMath.version() + " core " + core();
    }

    private String core() {
        try {
            return core.get(40, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** False when no trusted math is left: native was required and cannot be trusted. Work must be refused. */
    public boolean ready() {
        return mode != Mode.NATIVE || fallbackReason() == null;
    }

    /** Which math runs and why, with the self-test's verdict. */
    public MathStatus status() {
        String why = fallbackReason();
        String using = why == null ? (candidate == null ? java.name() : candidate.name())
                : mode == Mode.NATIVE ? "none" : java.name();
        String verdict = selfTest == null ? (loadError != null ? "failed" : "skipped")
                : selfTest.passed() ? "passed" : "failed";
        List<String> failures = selfTest == null ? (loadError != null ? List.of(loadError) : List.of())
                : selfTest.failures();
        return new MathStatus(mode.id(), using, OpenBlasMath.version(), core(), Cpu.current().describe(), verdict,
                failures, selfTest == null ? 0 : selfTest.millis(), why, ready());
    }

    /** Turns OpenBLAS off for the rest of this process, for {@code reason} (the first reason is kept). */
    public void distrust(String reason) {
        distrust.compareAndSet(null, reason);
    }

    /**
     * {@link DenseMath#upperCholeskyOfInverse}, checked: a result whose residual is suspect, or a failed factorization,
     * is computed again in plain Java; if plain Java does clearly better, its result is used, OpenBLAS is turned off,
     * and a line is added to {@code guards}.
     */
    public double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision, List<String> guards) {
        DenseMath m = math();
        double[] u = m.upperCholeskyOfInverse(h, n, add, precision);
        if (m == java) {
            return u;
        }
        double r = u == null ? Double.POSITIVE_INFINITY : Residuals.inverseFactor(h, n, add, u);
        if (r <= (precision == Precision.FLOAT64 ? SUSPECT_F64 : SUSPECT_F32)) {
            return u;
        }
        double[] uj = java.upperCholeskyOfInverse(h, n, add, precision);
        if (uj == null) {
            return u; // plain Java cannot factor it either: a matter of damping, not of the kernel
        }
        double rj = Residuals.inverseFactor(h, n, add, uj);
        if (u != null && rj * 10 >= r) {
            return u; // ill-conditioned, and plain Java does no better
        }
        String what = String.format(Locale.ROOT, "OpenBLAS's factor of H^-1 (%s, n=%d) had residual %s, plain Java's "
                + "%.3g", precision.id(), n, u == null ? "none (it failed)" : String.format(Locale.ROOT, "%.3g", r), rj);
        distrust(what);
        guards.add(what + ": used plain Java's, and plain Java runs for the rest of this run");
        math(); // refuses here under COMQ_MATH=native
        return uj;
    }

    /**
     * {@link DenseMath#solveSymmetric}, checked the same way as {@link #upperCholeskyOfInverse}; a replaced result is
     * recorded in {@link #status()} (the caller has no guard list).
     */
    public double[] solveSymmetric(double[] a, int n, double add, double[] b, int m) {
        DenseMath math = math();
        double[] x = math.solveSymmetric(a, n, add, b, m);
        if (math == java) {
            return x;
        }
        double r = x == null ? Double.POSITIVE_INFINITY : Residuals.solve(a, n, add, x, b, m);
        if (r <= SUSPECT_F64) {
            return x;
        }
        double[] xj = java.solveSymmetric(a, n, add, b, m);
        if (xj == null) {
            return x;
        }
        double rj = Residuals.solve(a, n, add, xj, b, m);
        if (x != null && rj * 10 >= r) {
            return x;
        }
        distrust(String.format(Locale.ROOT, "OpenBLAS's symmetric solve (n=%d, m=%d) had residual %s, plain Java's %.3g",
                n, m, x == null ? "none (it failed)" : String.format(Locale.ROOT, "%.3g", r), rj));
        math();
        return xj;
    }

    /** A math of plain Java only (the same core facts), for a second opinion computed end to end without OpenBLAS. */
    public Linalg javaOnly() {
        return new Linalg(Mode.JAVA, null, null, null, core);
    }

    /** The plain-Java math, for a second opinion on a result the caller doubts. */
    public DenseMath reference() {
        return java;
    }
}
