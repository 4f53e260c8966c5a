package dev.superquic.demo;

import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;

/** {@code echo}: sends every byte back until the client finishes its side. */
public final class EchoService implements StreamService {
    /** Service name. */
    public static final String NAME = "echo";

    @Override
    public void serve(ServiceStream stream) throws Exception {
        stream.input().transferTo(stream.output());
        stream.finishOutput();
    }
}
