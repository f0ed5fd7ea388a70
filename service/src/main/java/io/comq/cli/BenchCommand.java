package io.comq.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "bench", description = "(not yet implemented)")
public final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return Main.EXIT_INTERNAL;
    }
}
