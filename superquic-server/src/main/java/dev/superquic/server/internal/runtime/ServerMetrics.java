package dev.superquic.server.internal.runtime;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.server.internal.connection.HandshakeFailures;
import dev.superquic.server.session.SessionStore;
import dev.superquic.stream.internal.StreamMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The server's Micrometer meters. All names start with {@code superquic.}; docs/OPERATIONS.md lists them. */
public final class ServerMetrics implements StreamMeter {
    /** Round-trip times from a LAN's to a satellite link's. */
    private static final Duration[] RTT_BUCKETS = {Duration.ofNanos(100_000), Duration.ofMillis(1),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1)};
    /** QUIC's minimum, IPv6's minimum MTU's, the default, tunnels', Ethernet's, jumbo frames' and the ceiling. */
    private static final double[] MTU_BUCKETS = {1200, 1280, 1350, 1400, 1472, 1500, 4096, 8952, 16383};
    private final MeterRegistry registry;
    private final AtomicLong activeConnections = new AtomicLong();
    private final Map<String, AtomicLong> activeStreams = new ConcurrentHashMap<>();
    private final Counter backpressureEvents;
    private final Counter inboundMemoryWaits;
    private final Timer backpressurePaused;
    private final Counter sessionsCreated;
    private final Counter sessionsResumed;
    private final Counter sessionsExpired;
    private final Counter sessionsTakenOver;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter packetsSent;
    private final Counter packetsReceived;
    private final Counter packetsLost;
    private final Counter packetsRetransmitted;
    private final Timer pathRtt;
    private final DistributionSummary pathMtu;

    /** Registers the meters; session gauges read {@code store}; {@code nodeId} names this node. */
    public ServerMetrics(MeterRegistry registry, SessionStore store, String nodeId) {
        this.registry = registry;
        Gauge.builder("superquic.node", () -> 1).tag("node", nodeId)
                .description("this server's node id (the tag; always 1)").register(registry);
        // Tagged counters that panels and alerts use read 0 from the start, never "no data".
        HandshakeFailures.REASONS.forEach(reason -> handshakeFailures(reason));
        for (String limit : new String[] {"total", "per_address"}) {
            connectionsRefused(limit);
        }
        for (String limit : new String[] {"total", "rate"}) {
            sessionsRefused(limit);
        }
        for (String reason : new String[] {"buffer-full", "error"}) {
            repliesDropped(reason);
        }
        for (ErrorCode code : ErrorCode.values()) {
            framesRejected(code);
            streamErrors(code);
        }
        for (String op : STORE_OPERATIONS) {
            storeErrors(op);
            storeLatency(op);
        }
        Gauge.builder("superquic.session.store", () -> 1).tag("kind", storeKind(store))
                .description("the kind of session store in use (the tag; always 1)").register(registry);
        Gauge.builder("superquic.connections.active", activeConnections, AtomicLong::get)
                .description("QUIC connections currently open").register(registry);
        backpressureEvents = Counter.builder("superquic.backpressure.events")
                .description("times a stream stopped reading because its consumer fell behind").register(registry);
        inboundMemoryWaits = Counter.builder("superquic.inbound.memory.waits")
                .description("times a stream stopped reading because its connection's or the server's inbound memory "
                        + "(--inbound-memory-per-connection, --inbound-memory-total) was spent")
                .register(registry);
        backpressurePaused = Timer.builder("superquic.backpressure.paused")
                .description("time streams spent not reading because of backpressure").register(registry);
        bytesIn = Counter.builder("superquic.stream.bytes").tag("direction", "in").baseUnit("bytes")
                .description("stream payload bytes received and sent").register(registry);
        bytesOut = Counter.builder("superquic.stream.bytes").tag("direction", "out").baseUnit("bytes")
                .description("stream payload bytes received and sent").register(registry);
        packetsSent = Counter.builder("superquic.packets").tag("direction", "sent")
                .description("QUIC packets sent and received, counted at each connection's stats sample and at its close")
                .register(registry);
        packetsReceived = Counter.builder("superquic.packets").tag("direction", "received")
                .description("QUIC packets sent and received, counted at each connection's stats sample and at its close")
                .register(registry);
        packetsLost = Counter.builder("superquic.packets.lost")
                .description("QUIC packets declared lost by loss detection").register(registry);
        packetsRetransmitted = Counter.builder("superquic.packets.retransmitted")
                .description("QUIC packets retransmitted").register(registry);
        pathRtt = Timer.builder("superquic.path.rtt")
                .description("connections' smoothed round-trip time, one value per connection per stats sample")
                .serviceLevelObjectives(RTT_BUCKETS).register(registry);
        pathMtu = DistributionSummary.builder("superquic.path.mtu").baseUnit("bytes")
                .description("connections' largest UDP payload in use (the discovered path MTU with --discover-pmtu), "
                        + "one value per connection per stats sample")
                .serviceLevelObjectives(MTU_BUCKETS).register(registry);
        sessionsCreated = sessionCounter("created");
        sessionsResumed = sessionCounter("resumed");
        sessionsExpired = sessionCounter("expired");
        sessionsTakenOver = sessionCounter("taken_over");
        Gauge.builder("superquic.sessions", store, s -> s.counts().attached()).tag("state", "attached")
                .description("live sessions by state").register(registry);
        Gauge.builder("superquic.sessions", store, s -> s.counts().detached()).tag("state", "detached")
                .description("live sessions by state").register(registry);
    }

    /** Packets a connection sent, received, lost and retransmitted since its previous sample. */
    public void packets(long sent, long received, long lost, long retransmitted) {
        packetsSent.increment(sent);
        packetsReceived.increment(received);
        packetsLost.increment(lost);
        packetsRetransmitted.increment(retransmitted);
    }

    /** A connection's path as sampled: round-trip time (ns) and largest UDP payload (bytes). */
    public void pathSampled(long rttNanos, long mtuBytes) {
        pathRtt.record(rttNanos, TimeUnit.NANOSECONDS);
        pathMtu.record(mtuBytes);
    }

    private Counter sessionCounter(String event) {
        return Counter.builder("superquic.sessions.events").tag("event", event)
                .description("session lifecycle events").register(registry);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    void connectionOpened() {
        activeConnections.incrementAndGet();
    }

    void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    /** Open connections right now. */
    public long activeConnections() {
        return activeConnections.get();
    }

    /** Open streams right now, all services together. */
    public long activeStreams() {
        return activeStreams.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public void streamOpened(String service) {
        streamGauge(service).incrementAndGet();
    }

    public void streamClosed(String service) {
        streamGauge(service).decrementAndGet();
    }

    public void streamMoved(String from, String to) {
        streamGauge(to).incrementAndGet();
        streamGauge(from).decrementAndGet();
    }

    private AtomicLong streamGauge(String service) {
        return activeStreams.computeIfAbsent(service, s -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("superquic.streams.active", value, AtomicLong::get).tag("service", s)
                    .description("streams currently open, by service").register(registry);
            return value;
        });
    }

    @Override
    public void paused() {
        backpressureEvents.increment();
    }

    @Override
    public void budgetSpent() {
        inboundMemoryWaits.increment();
    }

    @Override
    public void resumed(long pausedNanos) {
        backpressurePaused.record(pausedNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void received(long bytes) {
        bytesIn.increment(bytes);
    }

    @Override
    public void sent(long bytes) {
        bytesOut.increment(bytes);
    }

    /** Backpressure pauses so far. */
    public long backpressureEvents() {
        return (long) backpressureEvents.count();
    }

    public void sessionCreated() {
        sessionsCreated.increment();
    }

    public void sessionResumed() {
        sessionsResumed.increment();
    }

    public void sessionExpired() {
        sessionsExpired.increment();
    }

    public void sessionTakenOver() {
        sessionsTakenOver.increment();
    }

    public void handshakeFailed(String reason) {
        handshakeFailures(reason).increment();
    }

    private Counter handshakeFailures(String reason) {
        return tagged("superquic.handshake.failures", "reason", reason, "QUIC/TLS handshakes that failed");
    }

    /** A connection was refused at its first packet because the {@code limit} was reached. */
    public void connectionRefused(String limit) {
        connectionsRefused(limit).increment();
    }

    private Counter connectionsRefused(String limit) {
        return tagged("superquic.connections.refused", "limit", limit,
                "connections refused at their first packet: a connection limit was reached");
    }

    /** A hello was refused: the sessions limit ({@code total}) or the per-address rate ({@code rate}). */
    public void sessionRefused(String limit) {
        sessionsRefused(limit).increment();
    }

    private Counter sessionsRefused(String limit) {
        return tagged("superquic.sessions.refused", "limit", limit,
                "hellos refused with LIMIT_EXCEEDED: the sessions limit or an address's hello rate");
    }

    /**
     * A reply that was to leave from the address its peer used (wildcard bind) could not be sent:
     * the socket's send buffer was full ({@code buffer-full}) or the send failed ({@code error}).
     */
    public void replySourceDropped(String reason) {
        repliesDropped(reason).increment();
    }

    private Counter repliesDropped(String reason) {
        return tagged("superquic.replies.dropped", "reason", reason,
                "datagrams to be sent from the address their peer used that could not be sent");
    }

    public void frameRejected(ErrorCode code) {
        framesRejected(code).increment();
    }

    private Counter framesRejected(ErrorCode code) {
        return tagged("superquic.frames.rejected", "code", code.name(), "frames refused by the protocol layer");
    }

    public void streamError(ErrorCode code) {
        streamErrors(code).increment();
    }

    private Counter streamErrors(ErrorCode code) {
        return tagged("superquic.stream.errors", "code", code.name(), "streams ended with an error");
    }

    /** The session store operations that are timed and whose errors are counted. */
    static final java.util.List<String> STORE_OPERATIONS =
            java.util.List.of("create", "attach", "detach", "get", "put", "delete", "entries",
                    "channel_position", "channel_append", "channel_read", "channel_ack", "channel_delivered");

    private static String storeKind(SessionStore store) {
        String name = store.getClass().getSimpleName();
        return name.endsWith("SessionStore") && name.length() > "SessionStore".length()
                ? name.substring(0, name.length() - "SessionStore".length()).toLowerCase(java.util.Locale.ROOT) : name;
    }

    /** A call to the session store took {@code nanos}; {@code failed} if it threw a store error. */
    public void storeCall(String op, long nanos, boolean failed) {
        storeLatency(op).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (failed) {
            storeErrors(op).increment();
        }
    }

    private Counter storeErrors(String op) {
        return tagged("superquic.session.store.errors", "op", op, "session store calls that failed");
    }

    private Timer storeLatency(String op) {
        return Timer.builder("superquic.session.store.latency").tag("op", op)
                .description("time of session store calls").publishPercentiles(0.5, 0.99).register(registry);
    }

    /** The counter {@code name} with one tag; registered on first use (the constructor registers every tag). */
    private Counter tagged(String name, String tag, String value, String description) {
        return Counter.builder(name).tag(tag, value).description(description).register(registry);
    }
}
