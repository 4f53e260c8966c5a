package dev.superquic.bench.raw;

import dev.superquic.bench.Target;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/** The scenario primitives of both baselines, in terms of one raw-protocol exchange. */
abstract class RawConnectionOps implements Target.Connection {

    /** Runs one exchange in {@code mode} on a new stream (QUIC) or connection (TCP) until done. */
    abstract void run(byte mode, BooleanSupplier stop, LongConsumer meter, int size) throws Exception;

    @Override
    public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
        run(RawProtocol.DISCARD, stop, accepted, 0);
    }

    @Override
    public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
        run(RawProtocol.GENERATE, stop, received, 0);
    }

    @Override
    public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
        run(RawProtocol.ECHO, stop, roundTripNanos, size);
    }

    @Override
    public void firstByte() throws Exception {
        boolean[] sent = {false};
        // Called on the event loop only: stop after the first round trip.
        run(RawProtocol.ECHO, () -> {
            boolean stop = sent[0];
            sent[0] = true;
            return stop;
        }, n -> { }, 1);
    }
}
