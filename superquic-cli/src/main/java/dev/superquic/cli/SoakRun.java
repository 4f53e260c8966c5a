package dev.superquic.cli;

import dev.superquic.bench.soak.ChannelSoak;
import dev.superquic.bench.soak.Soak;
import dev.superquic.bench.soak.Workload;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.json.JsonFrames;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * {@code bench soak}: one workload, many times, through a faulty loopback relay in front of the
 * server (one started here, or a remote one), every transfer checked and bounded in time.
 */
final class SoakRun {
    private SoakRun() {
    }

    /**
     * Runs the soak; prints progress to {@code err}, the outcome to {@code out}.
     *
     * @param server the server's address
     * @param local the server when it runs in this process (its view of a hung stream is then
     *     reported too), else null
     * @return the exit code: 0 if every transfer ended right, 1 otherwise
     */
    static int run(SoakOptions o, ClientConfig.Builder client, InetSocketAddress server, SuperQuicServer local,
                   PrintWriter out, PrintWriter err, Path json) throws Exception {
        Soak.Settings settings = new Soak.Settings(o.workload, o.count, o.parallel, Math.toIntExact(o.transferSize),
                o.stallTimeout);
        try (UdpRelay relay = new UdpRelay(server)) {
            relay.mode(UdpRelay.Mode.LOSSY);
            double up = o.lossUp != null ? o.lossUp : o.loss;
            double down = o.lossDown != null ? o.lossDown : o.loss;
            relay.dropRates(up / 100, down / 100);
            relay.duplicateRate(o.duplicate / 100);
            relay.delay(o.delay, o.jitter);
            relay.blackholeWindows(o.blackholeEvery, o.blackholeFor);
            String path = String.format(java.util.Locale.ROOT,
                    "loss %.1f %% up / %.1f %% down, delay %d ms + jitter %d ms, duplicate %.1f %%, blackhole %s",
                    up, down, o.delay.toMillis(), o.jitter.toMillis(), o.duplicate,
                    o.blackholeEvery.isZero() ? "none" : o.blackholeFor.toMillis() + " ms every " + o.blackholeEvery.toMillis() + " ms");
            err.println("soak " + o.workload.wireName() + " through a relay to " + server + ": " + path);
            err.flush();
            BiFunction<String, Long, List<String>> serverView = local == null ? (session, stream) -> List.of()
                    : (session, stream) -> local.describeStreams().stream()
                            .filter(l -> l.contains("session=" + session + " ") && l.contains(" stream " + stream + ":"))
                            .toList();
            if (o.workload == Workload.CHANNEL) {
                return channels(o, client.server(relay.address()), out, err, json,
                        path.replace("%", "%%") + "; relay dropped %d of %d datagrams",
                        () -> new long[] {relay.dropped(), relay.dropped() + relay.forwarded()});
            }
            Soak.Outcome outcome;
            // Streams wait for credit rather than fail; reconnects resume the session.
            try (SuperQuicClient c = new SuperQuicClient(client.server(relay.address())
                         .streamOpenTimeout(o.stallTimeout).build());
                 ClientSession session = c.connect()) {
                outcome = new Soak(session, settings, serverView, line -> {
                    err.println(line);
                    err.flush();
                }).run();
            }
            out.println(outcome.summary() + " (" + path + "; relay dropped " + relay.dropped() + " of "
                    + (relay.dropped() + relay.forwarded()) + " datagrams)");
            out.flush();
            if (json != null) {
                writeJson(json, outcome, path, relay);
            }
            return outcome.hung() + outcome.corrupt() + outcome.failed() == 0 ? 0 : 1;
        }
    }

    /**
     * A channel soak ({@link ChannelSoak}) over {@code client}'s servers: through the relay, or
     * straight to several nodes, which the client moves between when one fails.
     *
     * @param path the path's description; {@code %d} twice for the relay's dropped and total datagrams
     */
    static int channels(SoakOptions o, ClientConfig.Builder client, PrintWriter out, PrintWriter err, Path json,
                        String path, java.util.function.Supplier<long[]> relayCounts) throws Exception {
        java.util.concurrent.atomic.AtomicLong reconnects = new java.util.concurrent.atomic.AtomicLong();
        ChannelSoak.Outcome outcome;
        try (SuperQuicClient c = new SuperQuicClient(client.streamOpenTimeout(o.stallTimeout).build());
             ClientSession session = c.connect(new dev.superquic.client.SessionListener() {
                 @Override
                 public void onConnected(dev.superquic.client.SessionEvent event) {
                     if (event.reconnect()) {
                         reconnects.incrementAndGet();
                     }
                 }
             })) {
            outcome = new ChannelSoak(session, o.count, Math.toIntExact(o.transferSize), o.stallTimeout, reconnects::get,
                    line -> {
                        err.println(line);
                        err.flush();
                    }).run();
        }
        long[] datagrams = relayCounts.get();
        String described = String.format(java.util.Locale.ROOT, path, datagrams[0], datagrams[1]);
        out.println(outcome.summary() + " (" + described + ")");
        out.flush();
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("scenario", "soak");
            doc.put("workload", "channel");
            doc.put("path", described);
            doc.put("count", outcome.count());
            doc.put("messageBytes", o.transferSize);
            doc.put("received", outcome.received());
            doc.put("lost", outcome.lost());
            doc.put("duplicated", outcome.duplicated());
            doc.put("reordered", outcome.reordered());
            doc.put("serverCounted", outcome.serverCounted());
            doc.put("serverProblems", outcome.serverProblems());
            doc.put("reconnects", outcome.reconnects());
            doc.put("seconds", outcome.elapsed().toMillis() / 1000.0);
            Files.write(json, JsonFrames.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        }
        return outcome.clean() ? 0 : 1;
    }

    private static void writeJson(Path file, Soak.Outcome outcome, String path, UdpRelay relay) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("scenario", "soak");
        doc.put("workload", outcome.settings().workload().wireName());
        doc.put("count", outcome.settings().count());
        doc.put("parallel", outcome.settings().parallel());
        doc.put("bytes", outcome.settings().bytes());
        doc.put("stallTimeoutSeconds", outcome.settings().stallTimeout().toSeconds());
        doc.put("path", path);
        doc.put("ok", outcome.ok());
        doc.put("hung", outcome.hung());
        doc.put("corrupt", outcome.corrupt());
        doc.put("failed", outcome.failed());
        doc.put("seconds", outcome.elapsed().toMillis() / 1000.0);
        doc.put("datagramsDropped", relay.dropped());
        doc.put("datagramsForwarded", relay.forwarded());
        doc.put("datagramsDuplicated", relay.duplicated());
        doc.put("problems", outcome.problems());
        Files.write(file, dev.superquic.json.JsonFrames.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    }
}
