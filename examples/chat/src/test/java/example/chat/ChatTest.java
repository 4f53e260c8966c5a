package example.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.MemoryTokenStore;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.leakcheck.LeakCheckExtension;
import dev.superquic.testing.Loopback;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two members chat; one goes away and, back, gets what was said meanwhile, each line once. Netty
 * buffer leaks fail the test (superquic-testing's leak check).
 */
@Timeout(60)
@ExtendWith(LeakCheckExtension.class)
class ChatTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static ClientConfig config(ChatServer chat, MemoryTokenStore tokens) {
        return Loopback.clientConfig(new InetSocketAddress("127.0.0.1", chat.port()), chat.fingerprint())
                .tokenStore(tokens).build();
    }

    private static void say(ClientChannel room, String text) throws Exception {
        room.send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next {@code n} lines, each within the wait. */
    private static List<String> hear(ClientChannel room, int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Optional<ChannelMessage> m = room.receive(WAIT);
            assertTrue(m.isPresent(), "heard only " + lines + " of " + n + " lines; " + room);
            lines.add(new String(m.get().payload(), StandardCharsets.UTF_8));
        }
        return lines;
    }

    @Test
    void aMemberWhoWasAwayHearsWhatWasSaidMeanwhile() throws Exception {
        MemoryTokenStore aliceTokens = new MemoryTokenStore();
        MemoryTokenStore bobTokens = new MemoryTokenStore();
        try (ChatServer chat = new ChatServer(0);
             SuperQuicClient alice = new SuperQuicClient(config(chat, aliceTokens));
             SuperQuicClient bob = new SuperQuicClient(config(chat, bobTokens));
             ClientSession aliceSession = alice.connect()) {
            ClientChannel aliceRoom = aliceSession.channel(ChatServer.ROOM);
            say(aliceRoom, "/nick alice");
            assertEquals(List.of("* you are alice", "* alice joined"), hear(aliceRoom, 2));
            try (ClientSession bobSession = bob.connect()) {
                ClientChannel bobRoom = bobSession.channel(ChatServer.ROOM);
                say(bobRoom, "/nick bob");
                assertEquals(List.of("* you are bob", "* bob joined"), hear(bobRoom, 2));
                assertEquals(List.of("* bob joined"), hear(aliceRoom, 1));
                say(bobRoom, "hi");
                assertEquals(List.of("bob: hi"), hear(aliceRoom, 1));
                assertEquals(List.of("bob: hi"), hear(bobRoom, 1));
            }
            // Bob is away; Alice goes on talking.
            say(aliceRoom, "where did bob go?");
            say(aliceRoom, "oh well");
            assertEquals(List.of("alice: where did bob go?", "alice: oh well"), hear(aliceRoom, 2));
            try (ClientSession bobAgain = bob.connect()) {
                assertTrue(bobAgain.lastEvent().resumed(), "bob's session came back");
                ClientChannel bobRoom = bobAgain.channel(ChatServer.ROOM);
                assertEquals(List.of("alice: where did bob go?", "alice: oh well"), hear(bobRoom, 2));
                assertTrue(bobRoom.receive(Duration.ofMillis(300)).isEmpty(), "nothing twice");
            }
        }
    }
}
