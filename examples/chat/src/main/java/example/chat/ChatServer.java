package example.chat;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.server.ChannelService;
import dev.superquic.server.ServerChannel;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A chat room on superquic channels. A client's first message on the channel {@code room} is
 * {@code /nick NAME}; every later one is said to the room. The server pushes each line to every
 * member's session, connected or not: a member who is away gets what was said when it comes back.
 *
 * <p>The nickname is committed to the session's state together with the message that set it, so a
 * crash never forgets or repeats it. Members are kept in memory (a restart empties the room).
 */
public final class ChatServer implements ChannelService, AutoCloseable {
    /** The channel's name. */
    public static final String ROOM = "room";

    private final Set<String> members = ConcurrentHashMap.newKeySet();
    private final SuperQuicServer server;

    /** Starts a chat server on {@code port} (0: any free port) of 127.0.0.1. */
    public ChatServer(int port) throws Exception {
        this.server = SuperQuicServer.builder(ServerConfig.builder().host("127.0.0.1").port(port).build())
                .channel(ROOM, this)
                .start();
    }

    /** The UDP port it listens on. */
    public int port() {
        return server.localAddress().getPort();
    }

    /** The certificate's fingerprint, for clients to pin. */
    public String fingerprint() {
        return server.certificateFingerprint();
    }

    @Override
    public void onMessage(ServerChannel channel, ChannelMessage message) throws Exception {
        String text = new String(message.payload(), StandardCharsets.UTF_8);
        if (text.startsWith("/nick ")) {
            String name = text.substring("/nick ".length()).strip();
            channel.commit(Map.of("nick", name), List.of(line("* you are " + name)));
            members.add(channel.sessionId());
            broadcast("* " + name + " joined");
            return;
        }
        String name = channel.session().get("nick").orElse("anonymous");
        channel.commit(Map.of());
        broadcast(name + ": " + text);
    }

    /** Pushes a line to every member, whether connected or not. */
    private void broadcast(String text) throws Exception {
        for (String member : members) {
            server.channel(member, ROOM).send(line(text));
        }
    }

    private static byte[] line(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.close();
    }

    /** Runs a server until stopped: {@code ChatServer [port]}. */
    public static void main(String[] args) throws Exception {
        try (ChatServer chat = new ChatServer(args.length > 0 ? Integer.parseInt(args[0]) : 5599)) {
            System.out.println("chat on udp 127.0.0.1:" + chat.port() + ", certificate " + chat.fingerprint());
            Thread.currentThread().join();
        }
    }
}
