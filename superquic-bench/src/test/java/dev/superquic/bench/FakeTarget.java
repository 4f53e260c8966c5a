package dev.superquic.bench;

import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * A target without a network, for tests of how scenarios run (not of what they measure): every
 * stream does the same {@link Work}, upload, download and rpc alike; connecting costs nothing.
 *
 * @param name the target's name in results
 * @param work what each stream does
 */
record FakeTarget(String name, Work work) implements Target {
    /** What every stream of a {@link FakeTarget} does, whatever the scenario. */
    interface Work {
        /** Works until {@code stop}, reporting units of work (bytes, or round trips in ns). */
        void run(BooleanSupplier stop, LongConsumer report) throws Exception;
    }

    @Override
    public Connection connect() {
        return new Connection() {
            @Override
            public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
                work.run(stop, accepted);
            }

            @Override
            public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
                work.run(stop, received);
            }

            @Override
            public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
                work.run(stop, roundTripNanos);
            }

            @Override
            public void firstByte() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
    }
}
