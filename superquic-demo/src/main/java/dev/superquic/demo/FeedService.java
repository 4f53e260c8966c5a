package dev.superquic.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.json.JsonFrames;
import dev.superquic.server.ChannelService;
import dev.superquic.server.ServerChannel;
import dev.superquic.server.session.SessionGoneException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo channel {@code feed}: a client subscribes with {@code {"rate": R}} (messages a second,
 * 1 to 10,000; 0 unsubscribes) and the server publishes {@code {"t": millis}} at that rate while
 * the client has the channel open on this server; the channel's sequence numbers count the
 * messages, 1, 2, 3..., across reconnects, restarts and nodes. The rate is committed to the
 * session's state with the subscription, so whichever server the client opens the channel on
 * next (after a restart, or another node) publishes on from there.
 */
public final class FeedService implements ChannelService {
    /** The channel's name. */
    public static final String NAME = "feed";
    private static final Logger log = LoggerFactory.getLogger(FeedService.class);
    private static final String RATE_KEY = "feed.rate";
    private static final int MAX_RATE = 10_000;

    /** Publishing sessions. */
    private final Map<String, Publisher> publishers = new ConcurrentHashMap<>();

    /** Creates the channel service; the server shares one instance between all its channels. */
    public FeedService() {
    }

    @Override
    public void onOpen(ServerChannel channel) {
        channel.session().get(RATE_KEY).map(Integer::parseInt).filter(r -> r > 0)
                .ifPresent(rate -> publish(channel, rate));
    }

    @Override
    public void onMessage(ServerChannel channel, ChannelMessage message) throws Exception {
        ObjectNode request = JsonFrames.parseObject(message.payload());
        int rate = request.path("rate").asInt(-1);
        if (rate < 0 || rate > MAX_RATE) {
            log.warn("feed: ignoring a subscription with rate {} (0 to {} a second)", request.path("rate"), MAX_RATE);
            return;
        }
        channel.commit(Map.of(RATE_KEY, Integer.toString(rate)));
        if (rate == 0) {
            publishers.computeIfPresent(channel.sessionId(), (id, p) -> {
                p.stop();
                return null;
            });
        } else {
            publish(channel, rate);
        }
    }

    /** The stream ended: stop publishing, unless a newer stream of the session took the publisher over. */
    @Override
    public void onClose(ServerChannel channel) {
        publishers.computeIfPresent(channel.sessionId(), (id, p) -> {
            if (p.channel != channel) {
                return p;
            }
            p.stop();
            return null;
        });
    }

    private void publish(ServerChannel channel, int rate) {
        publishers.compute(channel.sessionId(), (id, running) -> {
            if (running != null && !running.stopped) {
                running.channel = channel;
                running.rate = rate;
                return running;
            }
            Publisher p = new Publisher(channel, rate);
            p.thread = Thread.ofVirtual().name("feed-" + id).start(p::run);
            return p;
        });
    }

    /** One session's publishing loop. */
    private final class Publisher {
        private volatile ServerChannel channel;
        private volatile int rate;
        private volatile boolean stopped;
        private Thread thread;

        Publisher(ServerChannel channel, int rate) {
            this.channel = channel;
            this.rate = rate;
        }

        void stop() {
            stopped = true;
            thread.interrupt();
        }

        void run() {
            String sessionId = channel.sessionId();
            try {
                long next = System.nanoTime();
                while (!stopped) {
                    byte[] message = ("{\"t\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8);
                    try {
                        channel.send(message);
                    } catch (ChannelFullException e) {
                        continue; // the client is slow: wait for room, never drop
                    }
                    next += TimeUnit.SECONDS.toNanos(1) / rate;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the rate's pacing, not a wait for an event
                    } else {
                        next = System.nanoTime(); // behind (the buffer was full): no burst to catch up
                    }
                }
            } catch (InterruptedException e) {
                // Stopped.
            } catch (SessionGoneException e) {
                log.info("feed: session {} expired; publishing stops", sessionId);
            } catch (RuntimeException e) {
                log.warn("feed: publishing to session {} stopped: {}", sessionId, e.toString());
            } finally {
                stopped = true;
                publishers.remove(sessionId, this);
            }
        }
    }
}
