package io.comq.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens from configuration and from a token file; a bad configuration stops the start, not a later request. */
class TokenRegistryTest {

    @TempDir
    Path dir;

    private ApplicationContext context(Map<String, Object> props) {
        Map<String, Object> all = new java.util.HashMap<>(props);
        all.put("comq.data-dir", dir.resolve("data").toString());
        return ApplicationContext.run(all);
    }

    @Test
    void tokensFromConfigAndFile() throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"), "# token tenant\n\nfile-token-0123456789abcdef  team-b\n");
        try (ApplicationContext ctx = context(Map.of("comq.auth.tokens", Map.of("conf-token-0123456789abcdef",
                "team-a"), "comq.auth.token-file", file.toString()))) {
            TokenRegistry r = ctx.getBean(TokenRegistry.class);
            assertEquals(new Tenant("team-a"), r.tenant("conf-token-0123456789abcdef").orElseThrow());
            assertEquals(new Tenant("team-b"), r.tenant("file-token-0123456789abcdef").orElseThrow());
            assertTrue(r.tenant("file-token-0123456789abcdeF").isEmpty());
        }
    }

    @Test
    void theShippedExampleTokenFileStartsTheService() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("deploy/tokens.example"))) {
            root = root.getParent();
        }
        assertTrue(root != null, "deploy/tokens.example not found above " + Path.of("").toAbsolutePath());
        try (ApplicationContext ctx = context(Map.of("comq.auth.token-file",
                root.resolve("deploy/tokens.example").toString()))) {
            assertEquals(new Tenant("local"),
                    ctx.getBean(TokenRegistry.class).tenant("local-dev-token-change-me").orElseThrow());
        }
    }

    @Test
    void badTokenFilesStopTheStart() throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "abc team\n");
        Exception e = assertThrows(Exception.class, () -> context(Map.of("comq.auth.token-file",
                shortToken.toString())).close());
        assertTrue(rootMessage(e).contains("shorter than 16"), rootMessage(e));
        Path bad = Files.writeString(dir.resolve("bad"), "only-a-token-0123456789abcdef\n");
        e = assertThrows(Exception.class, () -> context(Map.of("comq.auth.token-file", bad.toString())).close());
        assertTrue(rootMessage(e).contains("line 1"), rootMessage(e));
        e = assertThrows(Exception.class, () -> context(Map.of("comq.auth.token-file",
                dir.resolve("missing").toString())).close());
        assertTrue(rootMessage(e).contains("cannot read"), rootMessage(e));
    }

    /** Every message in the cause chain (the framework wraps the registry's error). */
    private static String rootMessage(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            s.append(t.getMessage()).append(" <- ");
        }
        return s.toString();
    }
}
