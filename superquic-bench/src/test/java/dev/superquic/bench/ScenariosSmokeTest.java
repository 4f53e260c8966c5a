package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.bench.raw.Grpc;
import dev.superquic.bench.raw.RawQuic;
import dev.superquic.bench.raw.TcpTls;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.demo.DemoServices;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.transport.CongestionControl;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every scenario runs against every target and measures something; speed is not asserted here. */
class ScenariosSmokeTest {
    /**
     * Short windows, but a warm-up long enough for a cold JVM on a busy machine (leak detection
     * at PARANOID, JIT still compiling): a 100 ms warm-up let the first 400 ms window see no
     * finished upload chunk at all there.
     */
    private static final BenchOptions QUICK = new BenchOptions(2, 1, 64, Duration.ofMillis(500), Duration.ZERO,
            Duration.ofMillis(400), 2, 20, line -> { });

    @Test
    void allScenariosMeasureAllTargets() throws Exception {
        try (SuperQuicServer sq = DemoServices.register(SuperQuicServer.builder(LocalServers.config(0).build())).start();
             RawQuic.Server raw = new RawQuic.Server("127.0.0.1");
             RawQuic.Server rawTuned = new RawQuic.Server("127.0.0.1", new RawQuic.Tuning(1350, false, CongestionControl.DEFAULT));
             TcpTls.Server tcp = new TcpTls.Server("127.0.0.1");
             SuperQuicTarget sqTarget = new SuperQuicTarget(client(sq).build());
             RawQuic.ClientTarget rawTarget = new RawQuic.ClientTarget(raw.address());
             RawQuic.ClientTarget rawTunedTarget = new RawQuic.ClientTarget(rawTuned.address(), new RawQuic.Tuning(1350, false, CongestionControl.DEFAULT));
             TcpTls.ClientTarget tcpTarget = new TcpTls.ClientTarget(tcp.address())) {
            assertThat(rawTunedTarget.name()).isEqualTo("raw-quic-tuned");
            for (Target t : List.<Target>of(sqTarget, rawTarget, rawTunedTarget, tcpTarget)) {
                BenchResult up = Scenarios.throughput(t, Scenarios.Direction.UPLOAD, QUICK);
                assertThat(up.figure("MB/s")).as(t.name()).isPositive();
                assertThat(up.figure("CPU us/MB")).as(t.name()).isPositive();
                assertThat(up.figure("CPU us/MB server loop")).as(t.name()).isPositive();
                assertThat(up.figure("CPU us/MB client loop")).as(t.name()).isPositive();
                if (t == sqTarget) {
                    assertThat(up.figure("CPU us/MB virtual threads")).isPositive();
                }
                // QUIC's packet size in use: superquic's 1350 on superquic and raw-quic-tuned,
                // quiche's own default of 1200 where Netty's defaults stay; TCP has none.
                if (t == tcpTarget) {
                    assertThat(up.figures()).doesNotContainKey("UDP payload bytes");
                } else {
                    assertThat(up.figure("UDP payload bytes")).as(t.name()).isEqualTo(t == rawTarget ? 1200 : 1350);
                }
                assertThat(Scenarios.throughput(t, Scenarios.Direction.DOWNLOAD, QUICK).figure("MB/s")).as(t.name()).isPositive();
                BenchResult rpc = Scenarios.rpc(t, QUICK);
                assertThat(rpc.figure("req/s")).as(t.name()).isPositive();
                assertThat(rpc.figure("p50 us")).isPositive().isLessThanOrEqualTo(rpc.figure("max us"));
                assertThat(Scenarios.connect(t, QUICK).figure("conn/s")).as(t.name()).isPositive();
            }
            try (SuperQuicClient resumer = new SuperQuicClient(client(sq).tokenStore(new MemoryTokens()).build())) {
                BenchResult resume = Scenarios.resume(resumer, QUICK);
                assertThat(resume.figure("resumes/s")).isPositive();
                assertThat(resume.figure("not resumed")).isZero();
            }
            try (SuperQuicClient idler = new SuperQuicClient(client(sq).build())) {
                BenchResult idle = Scenarios.idle(idler, QUICK, Scenarios::localMemory);
                assertThat(idle.figure("connections")).isEqualTo(20);
                assertThat(idle.figure("open/s")).isPositive();
            }
            // A figure only superquic reports (its server loops) gets no ratio and breaks nothing.
            assertThat(Report.comparison(Report.summarize(List.of(
                    new BenchResult("rpc", "superquic", java.util.Map.of("req/s", 2.0, "server loop 1 busy %", 50.0)),
                    new BenchResult("rpc", "raw-quic", java.util.Map.of("req/s", 4.0))))))
                    .contains("superquic/raw-quic=0.50").contains("server loop 1 busy %");
        }
    }

    @Test
    void grpcMeasuresEveryScenarioAndHolOnEveryStreamingTarget() throws Exception {
        try (Grpc.BenchServer server = new Grpc.BenchServer("127.0.0.1", 0);
             Grpc.ClientTarget grpc = new Grpc.ClientTarget(server.address());
             SuperQuicServer sq = DemoServices.register(SuperQuicServer.builder(LocalServers.config(0).build())).start();
             SuperQuicTarget sqTarget = new SuperQuicTarget(client(sq).build())) {
            assertThat(grpc.name()).isEqualTo("grpc");
            for (Scenarios.Direction d : Scenarios.Direction.values()) {
                BenchResult bulk = Scenarios.throughput(grpc, d, QUICK);
                assertThat(bulk.figure("MB/s")).as(d.name()).isPositive();
                assertThat(bulk.figure("CPU us/MB")).as(d.name()).isPositive();
            }
            BenchResult rpc = Scenarios.rpc(grpc, QUICK);
            assertThat(rpc.figure("req/s")).isPositive();
            assertThat(Scenarios.connect(grpc, QUICK).figure("conn/s")).isPositive();
            for (Target t : List.<Target>of(grpc, sqTarget)) {
                for (Scenarios.Direction d : Scenarios.Direction.values()) {
                    BenchResult hol = Scenarios.headOfLine(t, d, QUICK);
                    assertThat(hol.scenario()).isEqualTo("hol-" + d.name().toLowerCase(java.util.Locale.ROOT));
                    assertThat(hol.figure("req/s")).as(t.name() + " " + d).isPositive();
                    assertThat(hol.figure("bulk MB/s")).as(t.name() + " " + d).isPositive();
                    assertThat(hol.figure("p50 us")).isPositive().isLessThanOrEqualTo(hol.figure("p99 us"));
                }
            }
        }
    }

    private static ClientConfig.Builder client(SuperQuicServer server) {
        return ClientConfig.builder().server("127.0.0.1", server.localAddress().getPort())
                .trust(TrustConfig.pinSha256(server.certificateFingerprint())).reconnect(ReconnectPolicy.disabled());
    }

    private static final class MemoryTokens implements dev.superquic.client.TokenStore {
        private volatile String token;

        @Override
        public java.util.Optional<String> load() {
            return java.util.Optional.ofNullable(token);
        }

        @Override
        public void save(String value) {
            token = value;
        }
    }
}
