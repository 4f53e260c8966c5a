package dev.superquic.stream.internal;

import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.StreamEnd;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One per QUIC connection: the ends of its streams told on the control stream, both ways, so
 * that no stream depends on a lone FIN getting through.
 *
 * <p>Why: quiche as built into Netty 4.2.18 counts a stream's sending side complete once its data
 * is acknowledged, FIN or not, and forgets a stream once both of its sides are complete
 * (cloudflare/quiche#2525; fixes proposed in PRs #2570 and #2665, in no Netty release we can
 * use). A FIN that leaves in a frame of its own and is lost is then never sent again, and the
 * peer waits for it forever with every byte in hand. {@link StreamWrites} sends a FIN in the same
 * frame as the stream's last data whenever it can; when it cannot (the data left earlier), this
 * class sends {@code {"type":"end","stream":N,"size":S}} on the control stream, which is never
 * complete before its connection ends and so is retransmitted until it arrives. A receiver that
 * learns the final size of a stream ends that stream's input once it holds that many bytes, FIN
 * or not.
 *
 * <p>Sending starts when the connection's control stream is known and the peer understands the
 * message ({@link #announceOn}); ends announced before that are not sent. Received announcements
 * for streams not open yet (their first packets may come after the control stream's) are kept,
 * at most {@link #MAX_PENDING}.
 *
 * <p>Thread-safe: announcements may come from any thread; the streams' state is confined to the
 * event loop.
 */
public final class StreamEnds {
    /** Announced ends kept for streams that are not open (yet); the oldest is dropped beyond. */
    static final int MAX_PENDING = 256;
    private static final AttributeKey<StreamEnds> KEY = AttributeKey.valueOf(StreamEnds.class, "ends");

    private final EventExecutor loop;
    private final Map<Long, StreamBridgeHandler> open = new HashMap<>();
    private final Map<Long, Long> pending = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > MAX_PENDING;
        }
    };
    private volatile ChannelStream control;

    /**
     * Ends of their own, for streams without a connection to share them with (tests).
     *
     * @param loop the event loop of every stream registered with it
     */
    StreamEnds(EventExecutor loop) {
        this.loop = loop;
    }

    /** Event loop: the stream ends of {@code stream}'s connection. */
    static StreamEnds of(Channel stream) {
        return PerConnection.shared(stream, KEY, StreamEnds::new);
    }

    /**
     * Any thread: from now on, FINs that leave alone on this connection's streams are announced
     * on {@code controlStream}. Call once the peer is known to understand the announcement.
     */
    public void announceOn(ChannelStream controlStream) {
        this.control = controlStream;
    }

    /**
     * Any thread: the peer announced that stream {@code streamId} ends after {@code size} bytes.
     * The stream's input ends once it holds that many, whether or not the FIN arrives.
     */
    public void peerAnnounced(long streamId, long size) {
        loop.execute(() -> {
            StreamBridgeHandler bridge = open.get(streamId);
            if (bridge != null) {
                bridge.peerEndsAt(size);
            } else {
                pending.put(streamId, size);
            }
        });
    }

    /** Event loop: a stream of the connection opened; takes an end announced before it did. */
    void opened(long streamId, StreamBridgeHandler bridge) {
        open.put(streamId, bridge);
        Long size = pending.remove(streamId);
        if (size != null) {
            bridge.peerEndsAt(size);
        }
    }

    /** Event loop: a stream of the connection closed. */
    void closed(long streamId) {
        open.remove(streamId);
    }

    /**
     * Event loop, from {@link StreamWrites}: {@code stream}'s FIN went to quiche alone, after
     * {@code finalSize} bytes; tells the peer on the control stream, if that is set up.
     */
    void loneFin(ChannelStream stream, long finalSize) {
        ChannelStream c = control;
        if (c != null && c != stream) {
            c.offerControlFrame(Messages.encode(new StreamEnd(stream.id(), finalSize)));
        }
    }
}
