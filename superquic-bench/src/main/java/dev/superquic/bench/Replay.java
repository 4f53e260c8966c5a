package dev.superquic.bench;

import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.MemoryTokenStore;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.ChannelPublisher;
import dev.superquic.server.SuperQuicServer;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code replay} scenario: what a channel's backlog costs a session that comes back. */
public final class Replay {
    /** How long any one message may take. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Replay() {
    }

    /**
     * Replay after a reconnect: a session's client goes away, the server pushes {@code backlog}
     * messages of {@code size} bytes on its channel {@code echo}, and the client comes back; the
     * figure is the time from the new connect to the last message taken. Needs the server in this
     * process (for the push) with room for the backlog.
     */
    public static BenchResult run(SuperQuicServer server, ClientConfig.Builder config, int backlog, int size)
            throws Exception {
        try (SuperQuicClient client = new SuperQuicClient(config.tokenStore(new MemoryTokenStore()).build())) {
            String id;
            try (ClientSession s = client.connect()) {
                id = s.id();
                ClientChannel c = s.channel("echo");
                c.send(new byte[size]);
                c.receive(WAIT).orElseThrow(() -> new IOException("the echo channel did not answer"));
            }
            ChannelPublisher push = server.channel(id, "echo");
            byte[] message = new byte[size];
            long pushStart = System.nanoTime();
            for (int i = 0; i < backlog; i++) {
                push.send(message);
            }
            long pushNanos = System.nanoTime() - pushStart;
            long start = System.nanoTime();
            long firstNanos = 0;
            try (ClientSession s = client.connect()) {
                ClientChannel c = s.channel("echo");
                for (int i = 0; i < backlog; i++) {
                    c.receive(WAIT).orElseThrow(() -> new IOException("the backlog stopped coming"));
                    if (i == 0) {
                        firstNanos = System.nanoTime() - start;
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("backlog", (double) backlog);
            f.put("first ms", firstNanos / 1e6);
            f.put("all ms", seconds * 1000);
            f.put("messages/s", backlog / seconds);
            f.put("push us/msg", pushNanos / 1e3 / backlog);
            return new BenchResult("replay", "superquic", f);
        }
    }
}
