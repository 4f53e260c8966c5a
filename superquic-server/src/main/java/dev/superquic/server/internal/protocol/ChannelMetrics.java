package dev.superquic.server.internal.protocol;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** The meters of channels; docs/OPERATIONS.md lists them. */
public final class ChannelMetrics {
    private final AtomicLong open = new AtomicLong();
    private final Counter received;
    private final Counter sent;
    private final Counter full;
    private final Counter expired;
    private final Counter lost;

    public ChannelMetrics(MeterRegistry registry) {
        Gauge.builder("superquic.channels.open", open, AtomicLong::get)
                .description("channel streams open now").register(registry);
        received = Counter.builder("superquic.channel.messages").tag("direction", "in")
                .description("channel messages delivered to services (in) and appended for clients (out)")
                .register(registry);
        sent = Counter.builder("superquic.channel.messages").tag("direction", "out")
                .description("channel messages delivered to services (in) and appended for clients (out)")
                .register(registry);
        full = Counter.builder("superquic.channel.sends.full")
                .description("sends that found the channel's replay buffer full for their whole timeout")
                .register(registry);
        expired = Counter.builder("superquic.channel.messages.expired")
                .description("unacknowledged channel messages dropped because their session expired")
                .register(registry);
        lost = Counter.builder("superquic.channel.lost")
                .description("channel opens refused with CHANNEL_LOST: the client's position cannot be replayed from")
                .register(registry);
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    void received() {
        received.increment();
    }

    void sent() {
        sent.increment();
    }

    void full() {
        full.increment();
    }

    void expired(long count) {
        expired.increment(count);
    }

    void lost() {
        lost.increment();
    }
}
