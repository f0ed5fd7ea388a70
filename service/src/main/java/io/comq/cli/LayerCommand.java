package io.comq.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: being written. */
@Command(name = "layer", description = "(not yet implemented)")
public final class LayerCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return Main.EXIT_INTERNAL;
    }
}
