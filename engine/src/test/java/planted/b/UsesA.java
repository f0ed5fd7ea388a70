package planted.b;

/** The other half of the deliberate package cycle ({@link planted.a.UsesB}). */
public final class UsesA {
    public planted.a.UsesB other() {
        return null;
    }
}
