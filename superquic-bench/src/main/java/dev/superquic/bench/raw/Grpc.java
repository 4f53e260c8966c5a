package dev.superquic.bench.raw;

import dev.superquic.bench.Target;
import dev.superquic.server.tls.DevCertificate;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The gRPC baseline: what a Java user would pick instead of superquic. grpc-java over Netty
 * (HTTP/2 on one TCP connection, TLS 1.3), all settings left at grpc-java's defaults: its flow
 * control windows tune themselves (BDP pings), and TLS runs on the BoringSSL that
 * grpc-netty-shaded bundles. Messages are raw bytes (no protobuf), so the figures are gRPC's and
 * HTTP/2's, not a serializer's.
 *
 * <p>Unlike {@link TcpTls}, where each stream has a TCP connection of its own, every call of one
 * {@link Target.Connection} shares one channel, so one TCP connection: the calls are HTTP/2
 * streams, and a lost packet holds up all of them (head-of-line blocking).
 */
public final class Grpc {
    private static final String SERVICE = "superquic.bench.Bench";
    /** Bulk chunks: gRPC's default largest message is 4 MiB; 64 KiB is what the other targets write. */
    private static final int CHUNK = 64 * 1024;
    private static final Duration CALL_WAIT = Duration.ofSeconds(60);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Echoes every message (round trips). */
    static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodType.BIDI_STREAMING);
    /** Takes messages and drops them; answers one empty message when the client half-closes. */
    static final MethodDescriptor<byte[], byte[]> DISCARD = method("Discard", MethodType.CLIENT_STREAMING);
    /** Sends chunks for as long as the client's flow control lets it, until the call is cancelled. */
    static final MethodDescriptor<byte[], byte[]> GENERATE = method("Generate", MethodType.SERVER_STREAMING);

    private Grpc() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    /** A running gRPC server with the three bench methods. */
    public static final class BenchServer implements AutoCloseable {
        private final Server server;

        /** Starts on {@code host}:{@code port} (0: a free port) with a new self-signed certificate. */
        public BenchServer(String host, int port) throws IOException {
            DevCertificate cert = DevCertificate.generate(Duration.ofDays(1));
            ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                    .addMethod(ECHO, Grpc::echo)
                    .addMethod(DISCARD, Grpc::discard)
                    .addMethod(GENERATE, Grpc::generate)
                    .build();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                    .sslContext(GrpcSslContexts.forServer(pem(cert.certificatePem()), pem(cert.privateKeyPem()))
                            .protocols("TLSv1.3").build())
                    .addService(service)
                    .build()
                    .start();
        }

        /** The bound address. */
        public InetSocketAddress address() {
            return (InetSocketAddress) server.getListenSockets().getFirst();
        }

        @Override
        public void close() {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static InputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static ServerCall.Listener<byte[]> echo(ServerCall<byte[], byte[]> call, Metadata headers) {
        call.sendHeaders(new Metadata());
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                call.sendMessage(message);
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                call.close(Status.OK, new Metadata());
            }
        };
    }

    private static ServerCall.Listener<byte[]> discard(ServerCall<byte[], byte[]> call, Metadata headers) {
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                call.sendHeaders(new Metadata());
                call.sendMessage(new byte[0]);
                call.close(Status.OK, new Metadata());
            }
        };
    }

    private static ServerCall.Listener<byte[]> generate(ServerCall<byte[], byte[]> call, Metadata headers) {
        byte[] chunk = new byte[CHUNK];
        call.sendHeaders(new Metadata());
        call.request(1);
        return new ServerCall.Listener<>() {
            private boolean cancelled;

            @Override
            public void onReady() {
                // Sends while HTTP/2 flow control and gRPC's send buffer take more; onReady comes again.
                while (!cancelled && call.isReady()) {
                    call.sendMessage(chunk);
                }
            }

            @Override
            public void onCancel() {
                cancelled = true;
            }
        };
    }

    /** The gRPC client target: every connection is a channel of its own (one TCP connection). */
    public static final class ClientTarget implements Target {
        private final InetSocketAddress server;

        /** A client of the server at {@code server}. */
        public ClientTarget(InetSocketAddress server) {
            this.server = server;
        }

        @Override
        public String name() {
            return "grpc";
        }

        @Override
        public Connection connect() throws Exception {
            ManagedChannel channel = NettyChannelBuilder.forAddress(server)
                    .sslContext(GrpcSslContexts.forClient().protocols("TLSv1.3")
                            .trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                    .build();
            return new GrpcConnection(channel);
        }

        @Override
        public void close() {
            // Each connection owns its channel.
        }
    }

    /** One channel; each operation is a call (an HTTP/2 stream) on it. */
    private static final class GrpcConnection implements Target.Connection {
        private final ManagedChannel channel;

        GrpcConnection(ManagedChannel channel) {
            this.channel = channel;
        }

        @Override
        public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
            Call call = new Call(channel, DISCARD);
            byte[] chunk = new byte[CHUNK];
            while (!stop.getAsBoolean()) {
                call.awaitReady(stop);
                if (stop.getAsBoolean()) {
                    break;
                }
                call.client.sendMessage(chunk);
                accepted.accept(chunk.length);
            }
            call.client.halfClose();
            call.client.request(1);
            call.awaitClose();
        }

        @Override
        public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
            Call call = new Call(channel, GENERATE);
            call.client.sendMessage(new byte[0]);
            call.client.halfClose();
            call.client.request(1);
            while (!stop.getAsBoolean()) {
                byte[] message = call.next();
                received.accept(message.length);
                call.client.request(1);
            }
            call.client.cancel("done", null);
        }

        @Override
        public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
            Call call = new Call(channel, ECHO);
            byte[] request = new byte[size];
            while (!stop.getAsBoolean()) {
                long start = System.nanoTime();
                call.client.sendMessage(request);
                call.client.request(1);
                call.next();
                roundTripNanos.accept(System.nanoTime() - start);
            }
            call.client.halfClose();
            call.awaitClose();
        }

        @Override
        public void firstByte() throws Exception {
            Call call = new Call(channel, ECHO);
            call.client.sendMessage(new byte[1]);
            call.client.request(1);
            call.next();
            call.client.halfClose();
            call.awaitClose();
        }

        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One client call, with blocking waits (bounded) for the calling virtual thread. */
    private static final class Call extends ClientCall.Listener<byte[]> {
        final ClientCall<byte[], byte[]> client;
        private final BlockingQueue<byte[]> messages = new ArrayBlockingQueue<>(16);
        private final Semaphore ready = new Semaphore(0);
        private final CompletableFuture<Status> closed = new CompletableFuture<>();

        Call(ManagedChannel channel, MethodDescriptor<byte[], byte[]> method) {
            client = channel.newCall(method, CallOptions.DEFAULT);
            client.start(this, new Metadata());
        }

        @Override
        public void onMessage(byte[] message) {
            messages.add(message); // at most one outstanding request(1) at a time: never full
        }

        @Override
        public void onReady() {
            ready.release();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
            ready.release();
        }

        /** Waits until the call takes more (or is closed, or {@code stop}), re-checking every 100 ms. */
        void awaitReady(BooleanSupplier stop) throws Exception {
            while (!client.isReady() && !stop.getAsBoolean()) {
                failIfClosed();
                ready.tryAcquire(100, TimeUnit.MILLISECONDS);
            }
        }

        byte[] next() throws Exception {
            long deadline = System.nanoTime() + CALL_WAIT.toNanos();
            while (true) {
                byte[] m = messages.poll(100, TimeUnit.MILLISECONDS);
                if (m != null) {
                    return m;
                }
                failIfClosed();
                if (System.nanoTime() > deadline) {
                    throw new IOException("no gRPC message within " + CALL_WAIT.toSeconds() + " s");
                }
            }
        }

        void awaitClose() throws Exception {
            Status status = closed.get(CALL_WAIT.toSeconds(), TimeUnit.SECONDS);
            if (!status.isOk()) {
                throw new IOException("gRPC call failed: " + status);
            }
        }

        private void failIfClosed() throws IOException {
            Status status = closed.getNow(null);
            if (status != null && messages.isEmpty()) {
                throw new IOException("gRPC call closed: " + status);
            }
        }
    }
}
