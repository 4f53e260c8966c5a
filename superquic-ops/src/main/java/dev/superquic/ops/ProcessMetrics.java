package dev.superquic.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Meters of the process around the server, for the registry the operations endpoint creates for
 * itself: the JVM's memory, garbage collection, threads and CPU (Micrometer's binders), the direct
 * memory of Netty's default allocator (every channel's buffers), and the resident set size
 * (Linux), which also counts quiche's native per-connection state. An application that brings
 * its own registry binds such meters itself.
 */
public final class ProcessMetrics implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private ProcessMetrics() {
    }

    /**
     * Registers the meters in {@code registry}.
     *
     * @return closes what listens for garbage collections
     */
    public static ProcessMetrics bindTo(MeterRegistry registry) {
        ProcessMetrics m = new ProcessMetrics();
        new JvmMemoryMetrics().bindTo(registry);
        m.gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider) {
            Gauge.builder("superquic.netty.direct.memory", ProcessMetrics::nettyDirectBytes)
                    .baseUnit("bytes").description("direct memory held by Netty's default allocator")
                    .register(registry);
        }
        if (Files.isReadable(STATUS)) {
            Gauge.builder("superquic.process.resident.memory", () -> {
                long bytes = residentBytes();
                return bytes > 0 ? bytes : Double.NaN; // no value rather than a wrong one
            }).baseUnit("bytes")
                    .description("resident set size of the process (heap, native and quiche's state)")
                    .register(registry);
        }
        return m;
    }

    /**
     * Direct memory held by Netty's default allocator, the one every channel uses unless told
     * otherwise (the adaptive allocator in Netty 4.2); 0 when it keeps no count.
     */
    public static long nettyDirectBytes() {
        return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p ? p.metric().usedDirectMemory() : 0;
    }

    /** This process's resident set size (VmRSS in /proc/self/status), in bytes; 0 where it cannot be read (not Linux). */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: 0
        }
        return 0;
    }

    @Override
    public void close() {
        gc.close();
    }
}
