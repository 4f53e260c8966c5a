/**
 * Benchmarks and the soak tool behind {@code superquic bench}: superquic against raw Netty QUIC,
 * TCP + TLS and gRPC, with faults injected by the loopback UDP relay ({@code dev.superquic.relay}).
 *
 * <p>gRPC is read from the class path: {@code grpc-netty-shaded} carries the module descriptor of
 * the netty-tcnative it bundles ({@code io.netty.internal.tcnative}), not one of its own, so it
 * cannot be required by name. The build adds {@code --add-reads dev.superquic.bench=ALL-UNNAMED}.
 */
@SuppressWarnings("requires-automatic") // HdrHistogram has no module descriptor
module dev.superquic.bench {
    requires transitive dev.superquic.client;
    requires transitive dev.superquic.server;
    requires transitive dev.superquic.relay;
    requires dev.superquic.ops;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;
    requires java.management;
    requires jdk.management;
    requires HdrHistogram;

    exports dev.superquic.bench;
    exports dev.superquic.bench.raw;
    exports dev.superquic.bench.soak;
}
