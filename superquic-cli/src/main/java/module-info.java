/**
 * The {@code superquic} command line: the ready-to-run server, the demo clients, {@code stats}
 * and {@code bench}. An application, not a library: it exports nothing.
 */
@SuppressWarnings("requires-automatic") // Micrometer's Prometheus registry has no module descriptor
module dev.superquic.cli {
    requires dev.superquic.bench;
    requires dev.superquic.demo;
    requires dev.superquic.ops;
    requires dev.superquic.store.redis;
    requires ch.qos.logback.classic;
    requires info.picocli;
    requires java.net.http;
    requires jdk.unsupported;
    requires micrometer.registry.prometheus;
    requires org.slf4j;

    // picocli reads the commands' annotated fields and methods by reflection.
    opens dev.superquic.cli to info.picocli;
}
