package dev.superquic.server.internal.protocol;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.server.ServiceStream;
import dev.superquic.server.Session;
import dev.superquic.stream.DuplexStream;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A stream with the context a service needs; all I/O goes to the underlying stream. */
final class DefaultServiceStream implements ServiceStream {
    private final DuplexStream stream;
    private final String service;
    private final Session session;
    private final String connectionId;

    DefaultServiceStream(DuplexStream stream, String service, Session session, String connectionId) {
        this.stream = stream;
        this.service = service;
        this.session = session;
        this.connectionId = connectionId;
    }

    @Override
    public String service() {
        return service;
    }

    @Override
    public Session session() {
        return session;
    }

    @Override
    public String connectionId() {
        return connectionId;
    }

    @Override
    public long id() {
        return stream.id();
    }

    @Override
    public InputStream input() {
        return stream.input();
    }

    @Override
    public OutputStream output() {
        return stream.output();
    }

    @Override
    public byte[] readFrame() throws IOException {
        return stream.readFrame();
    }

    @Override
    public void writeFrame(byte[] payload) throws IOException {
        stream.writeFrame(payload);
    }

    @Override
    public ByteBuf readBuffer() throws IOException {
        return stream.readBuffer();
    }

    @Override
    public void write(ByteBuf data) throws IOException {
        stream.write(data);
    }

    @Override
    public void readInBulk(boolean on) {
        stream.readInBulk(on);
    }

    @Override
    public void finishOutput() throws IOException {
        stream.finishOutput();
    }

    @Override
    public void reset(ErrorCode code) {
        stream.reset(code);
    }

    @Override
    public void close() {
        stream.close();
    }
}
