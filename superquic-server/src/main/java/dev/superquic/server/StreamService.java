package dev.superquic.server;

/**
 * Application code for one named service. {@link #serve} runs once per stream on its own virtual
 * thread and may block freely. When it returns, the server finishes the stream (FIN) and stops
 * reading what was not consumed; when it throws, the stream is reset with SERVICE_ERROR.
 */
@FunctionalInterface
public interface StreamService {

    /** Handles one stream until done. */
    void serve(ServiceStream stream) throws Exception;
}
