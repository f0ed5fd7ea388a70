package io.comq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.comq.report.Environment;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq info}: the machine as the engine sees it, the facts every report records: CPU model and vector
 * instruction sets, Java, OpenBLAS version and the core it chose, the native-math self-test's verdict, and which
 * kernels can run. Exit code 0 when the math is trusted (OpenBLAS, or plain Java as the fallback), 3 when
 * {@code COMQ_MATH=native} and OpenBLAS failed.
 */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print the CPU, Java, OpenBLAS version and core, the native-math self-test and the kernels.")
public final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Environment env = Environment.current();
        if (json) {
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(env));
        } else {
            spec.commandLine().getOut().print(env.text());
        }
        spec.commandLine().getOut().flush();
        return env.math().ready() ? Main.EXIT_OK : Main.EXIT_UNTRUSTED_MATH;
    }
}
