package dev.superquic.cli;

import dev.superquic.bench.BenchOptions;
import dev.superquic.bench.BenchResult;
import dev.superquic.bench.Compare;
import dev.superquic.bench.LocalServers;
import dev.superquic.bench.Report;
import dev.superquic.bench.Scenarios.Direction;
import dev.superquic.bench.Scenarios;
import dev.superquic.bench.SuperQuicTarget;
import dev.superquic.bench.Target;
import dev.superquic.bench.raw.Grpc;
import dev.superquic.bench.raw.RawQuic;
import dev.superquic.bench.raw.TcpTls;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.demo.DemoServices;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code superquic bench}: load scenarios, and superquic side by side with raw QUIC and TCP+TLS. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure superquic. SCENARIO is throughput, rpc, hol, connect, resume, idle, replay, compare, serve,",
            "summarize or soak.",
            "replay (--local) pushes --backlog messages to a session's channel while it is away and times its",
            "return: the first and the last message taken after the new connect.",
            "hol measures round trips (--size bytes) on one stream while another stream of the same",
            "connection moves bulk data (--direction): head-of-line blocking.",
            "compare runs throughput (up and down, on one stream and on --many-streams), rpc and connect",
            "against superquic, raw Netty QUIC (with Netty's UDP defaults and with superquic's) and",
            "TCP + TLS 1.3, all started in this process, alternating targets over --rounds recorded rounds",
            "(after one unrecorded warm-up round), and prints medians, spread and superquic's ratio to each",
            "baseline.",
            "Other scenarios run against --server (with a trust option) or a server started here (--local).",
            "serve starts a baseline server (--target raw-quic, raw-quic-tuned or grpc) on --bind until",
            "stopped, so that a baseline, like superquic's own server, can run in a process of its own.",
            "summarize FILE... pools the runs of files that --json wrote (several compares, say) and prints",
            "their medians, spread and ratios as compare does.",
            "soak repeats one --workload --count times through a loopback relay that drops, delays, reorders,",
            "duplicates or blackholes datagrams, checks every transfer and counts ok, hung, corrupt and failed",
            "(exit 1 unless all were ok); against --local or --server."})
final class BenchCommand implements Callable<Integer> {
    enum Scenario { THROUGHPUT, RPC, HOL, CONNECT, RESUME, IDLE, REPLAY, COMPARE, SERVE, SUMMARIZE, SOAK }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "throughput, rpc, hol, connect, resume, idle, replay, compare, serve, summarize or soak")
    Scenario scenario;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "FILE",
            description = "summarize: files written by --json, whose runs are summarized together.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--local", description = "Start a superquic server in this process on 127.0.0.1.")
    boolean local;

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Server to measure (with --insecure, --trust or --pin).")
    String server;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    ClientOptions.Trust trust;

    @Option(names = "--target", defaultValue = "superquic",
            description = "What to measure: superquic, raw-quic (Netty's UDP defaults), raw-quic-tuned (superquic's path "
                    + "settings), tcp-tls or grpc (grpc-java, HTTP/2 over TCP + TLS 1.3); baselines start here with "
                    + "--local, raw QUIC and gRPC ones may be at --server (see serve). Default: ${DEFAULT-VALUE}.")
    String target;

    @Option(names = "--direction", defaultValue = "up", converter = Units.DirectionConverter.class,
            description = "throughput, hol: bulk data up (to discard) or down (from generate). Default: ${DEFAULT-VALUE}.")
    Direction direction;

    @Option(names = "--streams", defaultValue = "1", description = "Streams per connection. Default: ${DEFAULT-VALUE}.")
    int streams;

    @Option(names = "--connections", defaultValue = "1", description = "Connections. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--size", defaultValue = "64", description = "rpc: request and response bytes. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--backlog", defaultValue = "10000",
            description = "replay (--local): messages pushed to a detached session's channel before it comes back. "
                    + "Default: ${DEFAULT-VALUE}.")
    int backlog;

    @Option(names = "--concurrency", defaultValue = "1", description = "connect, resume: attempts in flight. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--idle-connections", defaultValue = "1000",
            description = "idle: connections with sessions to hold. Default: ${DEFAULT-VALUE}.")
    int idleConnections;

    @Option(names = "--warmup", defaultValue = "2s", converter = Units.DurationConverter.class,
            description = "Warm-up before measuring (excluded). Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--jit-wait", defaultValue = "30s", converter = Units.DurationConverter.class,
            description = "How long the warm-up may go on past --warmup while this process's JIT compilers are still "
                    + "busy (0s: not at all; a run measured with the JIT busy gets the figure 'JIT compiling %%'). "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration jitWait;

    @Option(names = "--duration", defaultValue = "5s", converter = Units.DurationConverter.class,
            description = "Measured time per run. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--rounds", defaultValue = "3", description = "compare: rounds per target. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--many-streams", defaultValue = "100",
            description = "compare: also measure throughput over this many streams of one connection (QUIC targets; "
                    + "0 for none, at most " + Compare.MAX_MANY_STREAMS + "), with each run's MB/s over the same "
                    + "round's single run as figure 'x 1 stream'. Default: ${DEFAULT-VALUE}.")
    int manyStreams;

    // For superquic and raw-quic-tuned, both ends.
    @Mixin
    PathOptions path;

    @Mixin
    SoakOptions soak;

    @Mixin
    RpcModeOptions rpcMode;

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "serve: where the baseline server listens. Default: ${DEFAULT-VALUE}.")
    String bind;

    @Option(names = "--io-threads", description = "Event loops (SO_REUSEPORT sockets) of the local superquic server. "
            + "Default: the number of cores.")
    Integer ioThreads;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "idle against --server: the server's metrics endpoint (its --metrics-port), read before and "
                    + "while holding, for the server's memory per connection (heap in use without a forced GC, "
                    + "Netty direct memory, resident set).")
    String metrics;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write all results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        BenchOptions options = new BenchOptions(streams, connections, size, warmup, jitWait, duration, concurrency, idleConnections,
                line -> {
                    err.println(line);
                    err.flush();
                });
        List<BenchResult> results = new ArrayList<>();
        path.check(spec);
        if (scenario == Scenario.SERVE) {
            return serve();
        }
        if (scenario == Scenario.SOAK) {
            return soak();
        }
        if (!files.isEmpty() && scenario != Scenario.SUMMARIZE) {
            throw new ParameterException(spec.commandLine(), "only summarize takes files (got " + files + ")");
        }
        if (scenario == Scenario.SUMMARIZE) {
            if (files.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "summarize needs at least one file written by --json");
            }
            for (Path file : files) {
                results.addAll(Report.readResults(file));
            }
        } else if (scenario == Scenario.COMPARE) {
            if (manyStreams < 0 || manyStreams > Compare.MAX_MANY_STREAMS) {
                throw new ParameterException(spec.commandLine(), "--many-streams must be 0.." + Compare.MAX_MANY_STREAMS
                        + ": the raw QUIC baselines grant " + Compare.MAX_MANY_STREAMS + " streams (got " + manyStreams + ")");
            }
            if (rounds < 1) {
                throw new ParameterException(spec.commandLine(), "--rounds must be at least 1 (got " + rounds + ")");
            }
            compare(options, results);
        } else {
            single(options, results);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Report.Summary> summaries = Report.summarize(results);
        out.print(scenario == Scenario.COMPARE || scenario == Scenario.SUMMARIZE
                ? Report.comparison(summaries) : Report.table(results));
        out.flush();
        if (json != null) {
            Report.writeJson(json, context(), results, summaries);
        }
        return 0;
    }

    private void single(BenchOptions o, List<BenchResult> results) throws Exception {
        if (local == (server != null)) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --local or --server");
        }
        if (metrics != null && (scenario != Scenario.IDLE || local)) {
            throw new ParameterException(spec.commandLine(), "--metrics goes with idle against --server");
        }
        if (!"superquic".equals(target)) {
            baseline(o, results);
            return;
        }
        AtomicReference<SuperQuicServer> started = new AtomicReference<>();
        try {
            ClientConfig.Builder config;
            if (scenario == Scenario.REPLAY && (!local || backlog < 1)) {
                throw new ParameterException(spec.commandLine(), "replay needs --local (it pushes) and a positive --backlog");
            }
            if (local) {
                // Room for the idle scenario: every connection holds its control stream; for replay, its backlog.
                SuperQuicServer s = DemoServices.register(SuperQuicServer.builder(LocalServers.config(localMaxConnections())
                        .channels(new dev.superquic.channel.ChannelSettings(backlog + 4096,
                                Math.max(4L << 20, (long) backlog * (o.size() + 64)), Duration.ofSeconds(30)))
                        .idleTimeout(Duration.ofMinutes(10)).maxUdpPayload(path.maxUdpPayload).discoverPmtu(path.discoverPmtu)
                        .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir)
                .maxData(path.maxData).maxStreamData(path.maxStreamData)
                        .maxBidiStreams(localMaxBidiStreams()).ioThreads(localIoThreads()).build())).start();
                started.set(s);
                config = clientConfig(s.localAddress(), TrustConfig.pinSha256(s.certificateFingerprint()));
            } else {
                config = clientConfig(address(), trustOption());
            }
            if (scenario == Scenario.IDLE) {
                // With --local both ends' memory is this process's; a remote server's comes from its metrics.
                Supplier<long[]> memory = local ? Scenarios::localMemory
                        : metrics != null ? new MetricsEndpoint(metrics, "--metrics").serverMemory() : () -> new long[3];
                try (SuperQuicClient client = new SuperQuicClient(config.idleTimeout(Duration.ofMinutes(10)).build())) {
                    results.add(Scenarios.idle(client, o, memory));
                }
                return;
            }
            if (scenario == Scenario.REPLAY) {
                results.add(dev.superquic.bench.Replay.run(started.get(), config, backlog, o.size()));
                return;
            }
            if (scenario == Scenario.RESUME) {
                try (SuperQuicClient client = new SuperQuicClient(config.tokenStore(new dev.superquic.client.MemoryTokenStore()).build())) {
                    results.add(Scenarios.resume(client, o));
                }
                return;
            }
            try (SuperQuicTarget target = new SuperQuicTarget(config.build(), rpcMode.mode(spec))) {
                results.add(run(scenario, target, o));
            }
        } finally {
            Optional.ofNullable(started.get()).ifPresent(SuperQuicServer::close);
        }
    }

    /** Runs a soak against --local (a server started here) or --server. */
    private int soak() throws Exception {
        if (local == (server != null)) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --local or --server");
        }
        soak.check(spec);
        // A lossy path's long stalls must not end the connection, and the session comes back if they do.
        ClientConfig.Builder client = clientConfig(local ? new InetSocketAddress("127.0.0.1", 0)
                        : address(server.split(",")[0].trim(), "--server"),
                local ? TrustConfig.insecure() : trustOption())
                .idleTimeout(soak.idleTimeout).reconnect(ReconnectPolicy.defaults());
        if (!local && server.contains(",")) {
            // Several nodes sharing a store: straight to them (a relay fronts one address), no faults.
            soak.checkForNodes(spec);
            List<InetSocketAddress> nodes = new java.util.ArrayList<>();
            for (String one : server.split(",")) {
                nodes.add(address(one.trim(), "--server"));
            }
            return SoakRun.channels(soak, client.servers(nodes), spec.commandLine().getOut(),
                    spec.commandLine().getErr(), json, "straight to " + nodes + ", no relay", () -> new long[2]);
        }
        if (!local) {
            return SoakRun.run(soak, client, address(), null, spec.commandLine().getOut(),
                    spec.commandLine().getErr(), json);
        }
        try (SuperQuicServer s = DemoServices.register(SuperQuicServer.builder(LocalServers.config(0)
                .maxUdpPayload(path.maxUdpPayload).discoverPmtu(path.discoverPmtu)
                        .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir)
                .maxData(path.maxData).maxStreamData(path.maxStreamData)
                .maxBidiStreams(Math.max(200, soak.parallel * 101L + 1)).ioThreads(localIoThreads()).build())).start()) {
            return SoakRun.run(soak, client.trust(TrustConfig.pinSha256(s.certificateFingerprint())), s.localAddress(), s,
                    spec.commandLine().getOut(), spec.commandLine().getErr(), json);
        }
    }

    /** Runs a baseline server (raw QUIC or gRPC) until the process is stopped. */
    private int serve() throws Exception {
        InetSocketAddress at = address(bind, "--bind");
        AutoCloseable running;
        String listening;
        if (target.startsWith("raw-quic")) {
            RawQuic.Server raw = new RawQuic.Server(at.getHostString(), at.getPort(), targetTuning());
            running = raw;
            listening = "udp " + raw.address().getHostString() + ":" + raw.address().getPort();
        } else if (target.equals("grpc")) {
            Grpc.BenchServer grpc = new Grpc.BenchServer(at.getHostString(), at.getPort());
            running = grpc;
            listening = "tcp " + grpc.address().getHostString() + ":" + grpc.address().getPort();
        } else {
            throw new ParameterException(spec.commandLine(), "serve needs --target raw-quic, raw-quic-tuned or grpc");
        }
        try (running) {
            spec.commandLine().getOut().println(target + " listening on " + listening);
            spec.commandLine().getOut().flush();
            new CountDownLatch(1).await(); // until SIGTERM / Ctrl-C ends the process
        }
        return 0;
    }

    /** superquic's path settings for the tuned raw baseline. */
    private RawQuic.Tuning tuning() {
        return new RawQuic.Tuning(path.maxUdpPayload, path.discoverPmtu, path.congestionControl);
    }

    /** The raw baseline --target names: tuned like superquic, or on Netty's defaults (null). */
    private RawQuic.Tuning targetTuning() {
        return "raw-quic-tuned".equals(target) ? tuning() : null;
    }

    /**
     * A single scenario against one of the baselines: started in this process with --local, or
     * one started elsewhere with {@code bench serve} (raw QUIC only) at --server.
     */
    private void baseline(BenchOptions o, List<BenchResult> results) throws Exception {
        if (scenario == Scenario.IDLE || scenario == Scenario.RESUME) {
            throw new ParameterException(spec.commandLine(),
                    "--target " + target + " works with throughput, rpc, hol or connect");
        }
        switch (target) {
            case "raw-quic", "raw-quic-tuned" -> {
                if (!local) {
                    try (RawQuic.ClientTarget t = new RawQuic.ClientTarget(address(), targetTuning())) {
                        results.add(run(scenario, t, o));
                    }
                    return;
                }
                try (RawQuic.Server raw = new RawQuic.Server("127.0.0.1", targetTuning());
                     RawQuic.ClientTarget t = new RawQuic.ClientTarget(raw.address(), targetTuning())) {
                    results.add(run(scenario, t, o));
                }
            }
            case "grpc" -> {
                if (!local) {
                    try (Grpc.ClientTarget t = new Grpc.ClientTarget(address())) {
                        results.add(run(scenario, t, o));
                    }
                    return;
                }
                try (Grpc.BenchServer grpc = new Grpc.BenchServer("127.0.0.1", 0);
                     Grpc.ClientTarget t = new Grpc.ClientTarget(grpc.address())) {
                    results.add(run(scenario, t, o));
                }
            }
            case "tcp-tls" -> {
                if (!local) {
                    throw new ParameterException(spec.commandLine(), "--target tcp-tls needs --local");
                }
                try (TcpTls.Server tcp = new TcpTls.Server("127.0.0.1");
                     TcpTls.ClientTarget t = new TcpTls.ClientTarget(tcp.address())) {
                    results.add(run(scenario, t, o));
                }
            }
            default -> throw new ParameterException(spec.commandLine(),
                    "--target must be superquic, raw-quic, raw-quic-tuned, tcp-tls or grpc");
        }
    }

    private BenchResult run(Scenario s, Target target, BenchOptions o) throws Exception {
        return switch (s) {
            case THROUGHPUT -> Scenarios.throughput(target, direction, o);
            case RPC -> Scenarios.rpc(target, o);
            case HOL -> Scenarios.headOfLine(target, direction, o);
            case CONNECT -> Scenarios.connect(target, o);
            default -> throw new IllegalStateException(s.toString());
        };
    }

    private void compare(BenchOptions o, List<BenchResult> results) throws Exception {
        try (SuperQuicServer sq = DemoServices.register(SuperQuicServer.builder(LocalServers.config(0)
                        .maxUdpPayload(path.maxUdpPayload).discoverPmtu(path.discoverPmtu)
                        .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir)
                .maxData(path.maxData).maxStreamData(path.maxStreamData).ioThreads(localIoThreads())
                        .maxBidiStreams(localMaxBidiStreams()).build())).start();
             RawQuic.Server raw = new RawQuic.Server("127.0.0.1");
             RawQuic.Server rawTuned = new RawQuic.Server("127.0.0.1", tuning());
             TcpTls.Server tcp = new TcpTls.Server("127.0.0.1");
             SuperQuicTarget sqTarget = new SuperQuicTarget(clientConfig(sq.localAddress(),
                     TrustConfig.pinSha256(sq.certificateFingerprint())).build());
             RawQuic.ClientTarget rawTarget = new RawQuic.ClientTarget(raw.address());
             RawQuic.ClientTarget rawTunedTarget = new RawQuic.ClientTarget(rawTuned.address(), tuning());
             TcpTls.ClientTarget tcpTarget = new TcpTls.ClientTarget(tcp.address())) {
            results.addAll(Compare.run(List.of(sqTarget, rawTarget, rawTunedTarget, tcpTarget), t -> t != tcpTarget,
                    manyStreams, rounds, o));
        }
    }

    /** Room for every connection a local scenario opens, all from one address. */
    private int localMaxConnections() {
        return idleConnections + connections + 100;
    }

    private int localIoThreads() {
        return ioThreads != null ? ioThreads : ServerConfig.builder().build().ioThreads();
    }

    /**
     * Stream credit for the local server: every connection's control stream plus {@code --streams}
     * of its own (the default of 100 would leave a 100-stream run one stream short, and that
     * worker waiting for credit until its open timeout).
     */
    private long localMaxBidiStreams() {
        int most = scenario == Scenario.COMPARE ? Math.max(streams, manyStreams) : streams;
        return Math.max(ServerConfig.builder().build().maxBidiStreams(), most + 1L);
    }

    private ClientConfig.Builder clientConfig(InetSocketAddress address, TrustConfig trust) {
        return ClientConfig.builder().maxUdpPayload(path.maxUdpPayload).discoverPmtu(path.discoverPmtu)
                        .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir)
                .maxData(path.maxData).maxStreamData(path.maxStreamData).server(new InetSocketAddress("127.0.0.1".equals(address.getHostString())
                        || address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString(), address.getPort()))
                .trust(trust).reconnect(ReconnectPolicy.disabled()).streamOpenTimeout(Duration.ofSeconds(30));
    }

    private InetSocketAddress address() {
        return address(server, "--server");
    }

    private InetSocketAddress address(String hostPort, String option) {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon > 0) {
                return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), option + " must be HOST:PORT (got " + hostPort + ")");
    }

    private TrustConfig trustOption() {
        if (trust == null) {
            throw new ParameterException(spec.commandLine(), "with --server give --insecure, --trust or --pin");
        }
        return trust.resolve(spec);
    }

    private Map<String, Object> context() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("scenario", scenario.name().toLowerCase(java.util.Locale.ROOT));
        if (scenario == Scenario.SUMMARIZE) {
            c.put("files", files.stream().map(Path::toString).toList());
            return c;
        }
        c.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        c.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        c.put("cores", Runtime.getRuntime().availableProcessors());
        c.put("streams", streams);
        c.put("connections", connections);
        c.put("size", size);
        c.put("concurrency", concurrency);
        c.put("warmupSeconds", warmup.toMillis() / 1000.0);
        c.put("jitWaitSeconds", jitWait.toMillis() / 1000.0);
        c.put("durationSeconds", duration.toMillis() / 1000.0);
        c.put("rounds", rounds);
        c.put("manyStreams", manyStreams);
        c.put("maxUdpPayload", path.maxUdpPayload);
        c.put("discoverPmtu", path.discoverPmtu);
        c.put("congestionControl", path.congestionControl.settingName());
        c.put("ioThreads", localIoThreads());
        return c;
    }
}
