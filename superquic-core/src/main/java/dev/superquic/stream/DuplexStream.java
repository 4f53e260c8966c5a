package dev.superquic.stream;

import dev.superquic.protocol.ErrorCode;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One bidirectional QUIC stream seen as blocking Java I/O, meant to be used from one virtual
 * thread. Reads block until data, end of stream or failure; writes block while the peer has not
 * granted flow-control credit, so a slow reader slows its writer and nothing queues without bound.
 *
 * <p>Raw bytes ({@link #input()}, {@link #output()}), Netty buffers without copies
 * ({@link #readBuffer()}, {@link #write(ByteBuf)}) and length-prefixed frames
 * ({@link #readFrame()}, {@link #writeFrame(byte[])}) may be mixed as long as frames are whole.
 */
public interface DuplexStream extends AutoCloseable {

    /** The QUIC stream id. */
    long id();

    /** Blocking input; {@code read} returns -1 once the peer has finished (FIN) and all data was read. */
    InputStream input();

    /** Blocking output; unbuffered, each {@code write} is handed to QUIC. {@code close()} sends FIN. */
    OutputStream output();

    /**
     * Reads one frame (4-byte big-endian length, then payload).
     *
     * @return the payload, or {@code null} when the peer finished the stream cleanly between frames
     * @throws dev.superquic.protocol.ProtocolException FRAME_TOO_LARGE before allocating when the
     *     length is above this stream's limit, PROTOCOL_VIOLATION when the stream ends inside a frame
     * @throws IOException when the stream was reset or the connection closed
     */
    byte[] readFrame() throws IOException;

    /** Writes one frame; blocks while flow control does not let it through. */
    void writeFrame(byte[] payload) throws IOException;

    /**
     * Reads the oldest bytes not yet read as the Netty buffer they arrived in, without copying:
     * for services that pass data on or parse it in place. Blocks until data arrives. The caller
     * owns the buffer and must {@link ByteBuf#release() release} it. May be mixed with
     * {@link #input()} and {@link #readFrame()}.
     *
     * @return a readable buffer, or {@code null} once the peer has finished and all data was read
     * @throws IOException when the stream was reset or the connection closed
     */
    ByteBuf readBuffer() throws IOException;

    /**
     * Writes the readable bytes of {@code data} without copying them: QUIC sends from the
     * buffer's own memory (direct buffers avoid any copy). Takes ownership of {@code data}: it is
     * released once sent, or when the write fails. Blocks like {@link #output()}'s writes while
     * flow control does not let more through.
     */
    void write(ByteBuf data) throws IOException;

    /**
     * Says whether this side reads the stream as a continuous flow (an upload, a download) rather
     * than as messages. With bulk reads on, received data is handed to the reader in larger
     * pieces: it waits for more until 64 KiB have come, the peer's FIN, or at most 5 ms, and the
     * waits of all of a connection's streams end together, which saves most thread wake-ups when
     * many streams are busy at once. The price: any piece of data may reach the reader up to 5 ms
     * late, so leave it off for request and response traffic. Off by default; any thread, any
     * time.
     */
    void readInBulk(boolean on);

    /** Finishes the sending side (QUIC FIN) after everything written so far. Idempotent. */
    void finishOutput() throws IOException;

    /**
     * Aborts the stream in both directions with an application error code
     * (RESET_STREAM and STOP_SENDING). Unsent data is discarded.
     */
    void reset(ErrorCode code);

    /**
     * Releases the stream: finishes output if still open, stops reading input the caller did not
     * consume, and frees buffered data. Idempotent.
     */
    @Override
    void close();
}
