package dev.superquic.cli;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.stream.DuplexStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code superquic echo}: sends TEXT to the echo service and prints what comes back. */
@Command(name = "echo", mixinStandardHelpOptions = true, description = "Send TEXT to the echo service and print the reply.")
final class EchoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Text to send (words are joined by spaces).")
    List<String> text;

    @Override
    public Integer call() throws Exception {
        byte[] payload = String.join(" ", text).getBytes(StandardCharsets.UTF_8);
        try (SuperQuicClient c = new SuperQuicClient(client.toConfig().build());
             ClientSession session = c.connect();
             DuplexStream echo = session.openStream("echo")) {
            echo.output().write(payload);
            echo.finishOutput();
            String reply = new String(echo.input().readAllBytes(), StandardCharsets.UTF_8);
            PrintWriter out = spec.commandLine().getOut();
            out.println(reply);
            out.flush();
        }
        return 0;
    }
}
