package dev.superquic.bench;

import dev.superquic.transport.ConnectionStats;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * A system under test: superquic, or one of the baselines (raw Netty QUIC, TCP + TLS 1.3). Each
 * offers the same primitives so scenarios measure them the same way. Primitives block the
 * calling (virtual) thread until done.
 */
public interface Target extends AutoCloseable {

    /** Short name for reports. */
    String name();

    /** Opens a connection (with a session, for superquic). */
    Connection connect() throws Exception;

    /** Releases client resources. */
    @Override
    void close();

    /** One connection of a target. */
    interface Connection extends AutoCloseable {

        /** Sends bulk data on one stream until {@code stop}; reports each accepted chunk's size. */
        void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception;

        /** Receives bulk data on one stream until {@code stop}; reports each received chunk's size. */
        void download(BooleanSupplier stop, LongConsumer received) throws Exception;

        /** Request/response of {@code size} bytes on one stream until {@code stop}; reports each round trip in ns. */
        void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception;

        /** One stream with a one-byte round trip (time to first byte after connecting). */
        void firstByte() throws Exception;

        /** The connection's QUIC statistics now, where the target is QUIC and the connection open. */
        default Optional<ConnectionStats> stats() {
            return Optional.empty();
        }

        @Override
        void close();
    }
}
