package dev.superquic.server.services;

import dev.superquic.protocol.Messages;
import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;
import java.io.InputStream;

/**
 * {@code discard}: reads and drops everything (a sink for upload load tests); when the client
 * finishes, answers one frame {@code {"type":"discarded","bytes":N}}.
 */
public final class DiscardService implements StreamService {
    /** Service name. */
    public static final String NAME = "discard";

    @Override
    public void serve(ServiceStream stream) throws Exception {
        byte[] buf = new byte[64 * 1024];
        InputStream in = stream.input();
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0;) {
            total += n;
        }
        stream.writeFrame(Messages.encodeTree(Messages.mapper().createObjectNode()
                .put("type", "discarded").put("bytes", total)));
        stream.finishOutput();
    }
}
