package planted.a;

/** Half of a deliberate package cycle, for the test that proves the cycle check fails on one. */
public final class UsesB {
    public planted.b.UsesA other() {
        return null;
    }
}
