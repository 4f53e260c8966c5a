package dev.superquic.server.services;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.json.JsonFrames;
import dev.superquic.server.ChannelPublisher;
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
 * 1 to 10,000; 0 unsubscribes) and the server then pushes {@code {"n": N, "t": millis}} to the
 * session, N counting from 1 with no gap, whether or not the session is connected. The rate is
 * committed to the session's state with the subscription's delivery, so a restarted server
 * resumes publishing, from the channel's last number, when the client opens the channel again.
 */
public final class FeedService implements ChannelService {
    /** The channel's name. */
    public static final String NAME = "feed";
    private static final Logger log = LoggerFactory.getLogger(FeedService.class);
    private static final String RATE_KEY = "feed.rate";
    private static final int MAX_RATE = 10_000;

    /** Publishing sessions and their rate. */
    private final Map<String, Publisher> publishers = new ConcurrentHashMap<>();

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
            channel.commit(Map.of());
            return;
        }
        channel.commit(Map.of(RATE_KEY, Integer.toString(rate)));
        if (rate == 0) {
            Publisher p = publishers.remove(channel.sessionId());
            if (p != null) {
                p.stop();
            }
        } else {
            publish(channel, rate);
        }
    }

    private void publish(ChannelPublisher channel, int rate) {
        publishers.compute(channel.sessionId(), (id, running) -> {
            if (running != null && running.isAlive()) {
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
        private final ChannelPublisher channel;
        private volatile int rate;
        private volatile boolean stopped;
        private Thread thread;

        Publisher(ChannelPublisher channel, int rate) {
            this.channel = channel;
            this.rate = rate;
        }

        boolean isAlive() {
            return !stopped && thread != null && thread.isAlive();
        }

        void stop() {
            stopped = true;
            thread.interrupt();
        }

        void run() {
            try {
                long n = channel.lastSent();
                long next = System.nanoTime();
                while (!stopped) {
                    byte[] message = ("{\"n\":" + (n + 1) + ",\"t\":" + System.currentTimeMillis() + "}")
                            .getBytes(StandardCharsets.UTF_8);
                    try {
                        n = channel.send(message);
                    } catch (ChannelFullException e) {
                        continue; // the client is away or slow: wait for room, never drop
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
                // Unsubscribed.
            } catch (SessionGoneException e) {
                log.info("feed: session {} expired; publishing stops", channel.sessionId());
            } catch (RuntimeException e) {
                log.warn("feed: publishing to session {} stopped: {}", channel.sessionId(), e.toString());
            } finally {
                stopped = true;
                publishers.remove(channel.sessionId(), this);
            }
        }
    }
}
