package dev.superquic.demo;

import dev.superquic.server.SuperQuicServer;

/** Registers the demo services that ship with the server. */
public final class DemoServices {
    private DemoServices() {
    }

    /** Adds echo, kv, discard, sink and generate, and the channels echo, feed and tally, to {@code builder}. */
    public static SuperQuicServer.Builder register(SuperQuicServer.Builder builder) {
        return builder.service(EchoService.NAME, new EchoService())
                .service(KvService.NAME, new KvService())
                .service(DiscardService.NAME, new DiscardService())
                .service(SinkService.NAME, new SinkService())
                .service(GenerateService.NAME, new GenerateService())
                .channel(EchoService.NAME, (channel, message) -> channel.send(message.payload()))
                .channel(FeedService.NAME, new FeedService())
                .channel(TallyService.NAME, new TallyService());
    }
}
