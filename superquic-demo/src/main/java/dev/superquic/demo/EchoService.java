package dev.superquic.demo;

import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;

/** {@code echo}: sends every byte back until the client finishes its side. */
public final class EchoService implements StreamService {
    /** Service name. */
    public static final String NAME = "echo";

    /** Creates the service; the server shares one instance between all its streams. */
    public EchoService() {
    }

    @Override
    public void serve(ServiceStream stream) throws Exception {
        stream.input().transferTo(stream.output());
        stream.finishOutput();
    }
}
