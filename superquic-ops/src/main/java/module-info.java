/** The operations endpoint: Prometheus metrics and health over HTTP, and process metrics. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer has no module descriptor
module dev.superquic.ops {
    requires transitive micrometer.core;
    requires transitive micrometer.registry.prometheus;
    requires dev.superquic.core;
    requires jdk.httpserver;
    requires io.netty.buffer;
    requires org.slf4j;

    exports dev.superquic.ops;
}
