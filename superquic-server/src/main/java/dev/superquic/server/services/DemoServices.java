package dev.superquic.server.services;

import dev.superquic.server.SuperQuicServer;

/** Registers the demo services that ship with the server. */
public final class DemoServices {
    private DemoServices() {
    }

    /** Adds echo, kv, discard and generate to {@code builder}. */
    public static SuperQuicServer.Builder register(SuperQuicServer.Builder builder) {
        return builder.service(EchoService.NAME, new EchoService())
                .service(KvService.NAME, new KvService())
                .service(DiscardService.NAME, new DiscardService())
                .service(GenerateService.NAME, new GenerateService());
    }
}
