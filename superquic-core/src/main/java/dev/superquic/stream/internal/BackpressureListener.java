package dev.superquic.stream.internal;

/** Told when a stream stops reading from QUIC because its consumer fell behind, and when it resumes. */
public interface BackpressureListener {
    /** A listener that ignores everything. */
    BackpressureListener NONE = new BackpressureListener() {
        @Override
        public void paused() {
        }

        @Override
        public void resumed(long pausedNanos) {
        }
    };

    /** Reading stopped: the inbound buffer reached its bound. */
    void paused();

    /** Reading resumed after {@code pausedNanos}. */
    void resumed(long pausedNanos);
}
