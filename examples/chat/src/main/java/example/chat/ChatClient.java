package example.chat;

import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.FileTokenStore;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A chat client: {@code ChatClient PORT FINGERPRINT SESSION_FILE NAME}. It joins the room, prints
 * what is said and says what is typed. Stopped and started again with the same session file, it
 * resumes its session and prints what was said meanwhile, each line once.
 */
public final class ChatClient {
    private ChatClient() {
    }

    /** Runs the client until standard input ends. */
    public static void main(String[] args) throws Exception {
        ClientConfig config = ClientConfig.builder()
                .server("127.0.0.1", Integer.parseInt(args[0]))
                .trust(TrustConfig.pinSha256(args[1]))
                .tokenStore(new FileTokenStore(Path.of(args[2])))   // the token and the room's position
                .build();
        try (SuperQuicClient client = new SuperQuicClient(config);
             ClientSession session = client.connect()) {
            ClientChannel room = session.channel(ChatServer.ROOM);
            room.onMessage(m -> System.out.println(new String(m.payload(), StandardCharsets.UTF_8)));
            if (!session.lastEvent().resumed()) {
                room.send(("/nick " + args[3]).getBytes(StandardCharsets.UTF_8));
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null;) {
                room.send(line.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
