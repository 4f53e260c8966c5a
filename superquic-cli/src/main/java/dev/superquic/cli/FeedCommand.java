package dev.superquic.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientSession;
import dev.superquic.client.FileTokenStore;
import dev.superquic.client.SessionEvent;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.json.JsonFrames;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code superquic feed}: subscribes to the demo channel {@code feed} and prints its numbered
 * messages as they come. With {@code --session-file} the subscription and the position outlive
 * the process; {@code --verify N} checks that N messages come with no gap, repeat or reordering.
 */
@Command(name = "feed", mixinStandardHelpOptions = true,
        description = {"Subscribe to the server's numbered feed and print it live (a channel: it survives",
            "reconnects, server restarts and, with --session-file, restarts of this client).",
            "Exit code 0; with --verify N: 0 after N messages in order, 1 with counts on a gap, repeat or reordering."})
final class FeedCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Spec
    CommandSpec spec;

    @Option(names = "--session-file", paramLabel = "FILE",
            description = "Keeps the resume token and the feed's position between runs.")
    Path sessionFile;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "10",
            description = "Messages a second the server publishes (1 to 10000; default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--verify", paramLabel = "N",
            description = "Stop after N messages; exit 1 if any came out of order, twice, or after a gap.")
    Long verify;

    @Option(names = "--quiet", description = "Print only the summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 10_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rate must be between 1 and 10000");
        }
        // A feed outlives its connections: reconnect without giving up (Ctrl-C ends it), and notice
        // a dead server within 10 s (the client pings after 3 s of silence).
        var config = client.toConfig().reconnect(new dev.superquic.client.ReconnectPolicy(true, Duration.ofMillis(100),
                Duration.ofSeconds(2), 2, 0.2, 0)).idleTimeout(Duration.ofSeconds(10));
        if (sessionFile != null) {
            config.tokenStore(new FileTokenStore(sessionFile));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Counts counts = new Counts();
        try (SuperQuicClient c = new SuperQuicClient(config.build());
             ClientSession session = c.connect()) {
            // Ctrl-C closes the session, which saves how far the feed was printed.
            Thread hook = new Thread(() -> {
                session.close();
                summary(err, counts);
            });
            Runtime.getRuntime().addShutdownHook(hook);
            SessionEvent e = session.lastEvent();
            err.println("superquic: session " + e.sessionId() + (e.resumed() ? " resumed" : " new"));
            err.flush();
            ClientChannel feed = session.channel("feed");
            ObjectNode subscribe = JsonFrames.mapper().createObjectNode().put("rate", rate);
            feed.send(JsonFrames.encode(subscribe));
            while (verify == null || counts.received < verify) {
                Optional<ChannelMessage> m = feed.receive(Duration.ofSeconds(1));
                if (m.isEmpty()) {
                    continue;
                }
                long n = m.get().sequence(); // the feed's number: the channel numbers its messages
                JsonFrames.parseObject(m.get().payload()); // and each is the feed's JSON
                counts.add(n);
                if (!quiet) {
                    out.println("#" + n + " " + new String(m.get().payload(), StandardCharsets.UTF_8));
                    out.flush();
                }
            }
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        summary(err, counts);
        return counts.clean() ? 0 : Main.FAILED;
    }

    private static void summary(PrintWriter err, Counts counts) {
        synchronized (counts) {
            err.println("superquic: feed " + counts.received + " messages (" + counts.first + " to " + counts.last + "): "
                    + counts.gaps + " gaps, " + counts.repeats + " repeated, " + counts.reordered + " reordered");
            err.flush();
        }
    }

    /** What came, and what was wrong with it. */
    private static final class Counts {
        long received;
        long first;
        long last;
        long gaps;
        long repeats;
        long reordered;

        synchronized void add(long n) {
            if (received == 0) {
                first = n;
            } else if (n == last) {
                repeats++;
            } else if (n < last) {
                reordered++;
            } else if (n > last + 1) {
                gaps++;
            }
            received++;
            last = Math.max(last, n);
        }

        synchronized boolean clean() {
            return gaps == 0 && repeats == 0 && reordered == 0;
        }
    }
}
