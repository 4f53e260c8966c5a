package dev.superquic.channel.internal;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.protocol.ChannelFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Moves one channel's messages over one stream, both ways, once the header exchange told each
 * side where the other stands; server and client share it. The calling thread reads
 * (acknowledgements go to the {@link Outbox} at once); a virtual thread writes the outbox's
 * messages after what the peer has, and acknowledgements, batched. Messages go to the
 * {@link Inbox} in order, from the reading thread, or, on the server, from a delivery thread of
 * their own behind a bounded queue, so that a handler waiting for room to send (room that the
 * peer's acknowledgements make) never holds up the acknowledgements behind its message.
 *
 * <p>Acknowledgements are cumulative and leave when {@value #ACK_EVERY} messages are waiting for
 * one or {@value #ACK_DELAY_MILLIS} ms after the first of them, whichever comes first, and only up
 * to what the inbox made durable ({@link Inbox#prepareAck}): a sender drops what is acknowledged.
 */
public final class ChannelPump {
    /** Messages delivered before an acknowledgement leaves at once. */
    public static final int ACK_EVERY = 64;
    /** The longest an acknowledgement waits for more messages, in milliseconds. */
    public static final long ACK_DELAY_MILLIS = 10;
    private static final int SEND_BATCH = 64;
    /** How often an idle writer looks at the outbox anyway (a message appended elsewhere, say). */
    private static final long IDLE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Where a side's outgoing messages wait until the peer acknowledges them. */
    public interface Outbox {
        /** Up to {@code max} messages after {@code sequence}, in order, without waiting. */
        List<ChannelMessage> after(long sequence, int max) throws IOException;

        /** The peer delivered and kept every message up to {@code sequence}: drop them. */
        void acknowledged(long sequence) throws IOException;
    }

    /** Where a side's incoming messages go. */
    public interface Inbox {
        /**
         * Takes the next message, whose sequence is one past the previous one's; may block (that
         * holds the stream's flow control).
         */
        void deliver(ChannelMessage message) throws Exception;

        /** The highest sequence that could be acknowledged now (cheap; any thread). */
        long acknowledgeable();

        /**
         * Makes what {@link #acknowledgeable} named durable and returns the sequence that may be
         * acknowledged: the peer drops what it covers.
         */
        long prepareAck() throws IOException;
    }

    private final DuplexStream stream;
    private final Outbox outbox;
    private final Inbox inbox;
    private final ReentrantLock lock = new ReentrantLock();
    /** Held by whoever writes to the stream: the writer thread, or a sender writing its own message. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private boolean wakeRequested;
    private volatile boolean stopped;
    /** The last sequence the peer said it has, or that this side sent on this stream. */
    private volatile long sent;
    /** The last sequence received on this stream (the inbox has it). */
    private long received;
    /** The last acknowledgement sent. */
    private volatile long ackSent;
    private final CompletableFuture<Void> writerDone = new CompletableFuture<>();
    /**
     * Messages read and not yet delivered: the reader hands them to a delivery thread, so that a
     * slow or blocked delivery (a handler waiting for room to send) never stops the reading of
     * the acknowledgements behind them. Bounded like a replay buffer: a peer within its own bounds
     * never fills it; the reader waits while it is full.
     */
    private final java.util.ArrayDeque<ChannelMessage> undelivered = new java.util.ArrayDeque<>();
    private long undeliveredBytes;
    private final boolean separateDelivery;
    private final int maxUndelivered;
    private final long maxUndeliveredBytes;
    private final Condition deliveryChanged = lock.newCondition();
    private volatile Exception deliveryFailure;
    private volatile Throwable writerFailure;

    /**
     * A pump for a stream whose header exchange is done.
     *
     * @param peerDelivered the last of this side's messages the peer has: sending resumes after it
     * @param delivered the last of the peer's messages this side has (told to the peer already)
     * @param bounds with a delivery thread, the bounds of the messages read and not yet delivered
     *     (the peer's replay buffer should be no larger); null: the reading thread delivers, for an
     *     inbox that never waits for this side's own sends (a client's receive queue), one thread
     *     hand-off less per message
     */
    public ChannelPump(DuplexStream stream, Outbox outbox, Inbox inbox, long peerDelivered, long delivered,
                       dev.superquic.channel.ChannelSettings bounds) {
        this.separateDelivery = bounds != null;
        this.maxUndelivered = bounds == null ? 0 : bounds.maxMessages();
        this.maxUndeliveredBytes = bounds == null ? 0 : bounds.maxBytes();
        this.stream = stream;
        this.outbox = outbox;
        this.inbox = inbox;
        this.sent = peerDelivered;
        this.received = delivered;
        this.ackSent = delivered;
    }

    /**
     * Any thread, right after {@code appended} went into the outbox: writes it on this thread when
     * it is the next one due and no other write is under way (a thread hand-off less per message),
     * else leaves it to the writer. A failed write changes nothing: the message stays in the
     * outbox, and the stream's failure ends the pump.
     */
    public void sendNow(ChannelMessage appended) {
        if (stopped || !writeLock.tryLock()) {
            wake();
            return;
        }
        try {
            if (appended.sequence() == sent + 1) {
                sent = appended.sequence();
                stream.writeFrame(ChannelFrames.data(appended.sequence(), appended.payload()));
            } else if (appended.sequence() > sent) {
                wake(); // older ones first: the writer reads them from the outbox
            }
        } catch (java.io.IOException | RuntimeException e) {
            wake();
        } finally {
            writeLock.unlock();
        }
    }

    /** Any thread: there is something new to send (an outgoing message, or an acknowledgement). */
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            wakeUp.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread: {@link Inbox#acknowledgeable} grew. Wakes the writer when that starts an
     * acknowledgement's timer or makes one due at once, not for every message.
     */
    public void acknowledgeableChanged() {
        long waiting = inbox.acknowledgeable() - ackSent;
        if (waiting == 1 || waiting >= ACK_EVERY) {
            wake();
        }
    }

    /**
     * Runs the channel until the stream ends: reads on the calling thread, writes on a virtual
     * thread of its own. Returns when the peer finished the stream; throws when it failed (the
     * stream is then reset, with the code of a {@link ProtocolException}).
     */
    public void run() throws Exception {
        Thread writer = Thread.ofVirtual().name("superquic-channel-writer").start(this::writeLoop);
        Thread delivery = separateDelivery
                ? Thread.ofVirtual().name("superquic-channel-delivery").start(this::deliveryLoop) : null;
        try {
            readLoop();
            awaitDelivered();
            Throwable failed = writerFailure;
            if (failed instanceof Exception e) {
                throw e;
            }
        } catch (ProtocolException e) {
            resetQuietly(e.code());
            throw e;
        } catch (Exception e) {
            resetQuietly(ErrorCode.SERVICE_ERROR);
            throw e;
        } finally {
            stopped = true;
            wake();
            writer.interrupt();
            // Not interrupted: a message being delivered is delivered whole (an interrupted
            // handler could have had its effect without its delivery being counted).
            lock.lock();
            try {
                undelivered.clear();
                deliveryChanged.signalAll();
            } finally {
                lock.unlock();
            }
            // Until the message in progress is delivered: the channel's next stream must not hand
            // the service a message this one may still be handling.
            boolean interrupted = false;
            while (delivery != null && delivery.isAlive()) {
                try {
                    delivery.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            try {
                writerDone.get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // The writer failed (reported above) or is stuck in a write the reset ends.
            }
        }
    }

    private void readLoop() throws Exception {
        for (byte[] frame; (frame = stream.readFrame()) != null;) {
            switch (ChannelFrames.decode(frame)) {
                case ChannelFrames.Data data -> {
                    if (data.sequence() <= received) {
                        continue; // a replay of what this side has: drop it
                    }
                    if (data.sequence() != received + 1) {
                        throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "channel message "
                                + data.sequence() + " follows " + received + ": a gap");
                    }
                    ChannelMessage m = new ChannelMessage(data.sequence(), data.payload());
                    if (separateDelivery) {
                        enqueue(m);
                    } else {
                        inbox.deliver(m);
                        acknowledgeableChanged();
                    }
                    received = data.sequence();
                }
                case ChannelFrames.Ack ack -> {
                    if (ack.sequence() > sent) {
                        throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "acknowledgement of message "
                                + ack.sequence() + ", but only " + sent + " were sent");
                    }
                    outbox.acknowledged(ack.sequence());
                }
            }
        }
        // The peer finished: nothing more comes; let the writer send what is due, then finish.
    }

    private void writeLoop() {
        long ackDueAt = 0;
        try {
            while (!stopped) {
                List<ChannelMessage> batch;
                writeLock.lock();
                try {
                    batch = outbox.after(sent, SEND_BATCH);
                    for (ChannelMessage m : batch) {
                        sent = m.sequence(); // before the write: the peer's acknowledgement may come first
                        stream.writeFrame(ChannelFrames.data(m.sequence(), m.payload()));
                    }
                } finally {
                    writeLock.unlock();
                }
                long ackable = inbox.acknowledgeable();
                long now = System.nanoTime();
                if (ackable > ackSent) {
                    if (ackDueAt == 0) {
                        ackDueAt = now + TimeUnit.MILLISECONDS.toNanos(ACK_DELAY_MILLIS);
                    }
                    if (ackable - ackSent >= ACK_EVERY || now - ackDueAt >= 0) {
                        long durable = inbox.prepareAck();
                        if (durable > ackSent) {
                            writeLock.lock();
                            try {
                                stream.writeFrame(ChannelFrames.ack(durable));
                            } finally {
                                writeLock.unlock();
                            }
                            ackSent = durable;
                        }
                        ackDueAt = 0;
                        continue;
                    }
                }
                if (batch.size() == SEND_BATCH) {
                    continue;
                }
                awaitWork(ackDueAt == 0 ? IDLE_RECHECK_NANOS : Math.max(0, ackDueAt - now));
            }
        } catch (InterruptedException e) {
            // Stopped.
        } catch (Exception e) {
            if (!stopped) {
                writerFailure = e;
                resetQuietly(e instanceof ProtocolException p ? p.code() : ErrorCode.SERVICE_ERROR);
            }
        } finally {
            writerDone.complete(null);
        }
    }

    /** Reader: hands a message to the delivery thread, waiting while the undelivered are at their bound. */
    private void enqueue(ChannelMessage m) throws Exception {
        lock.lock();
        try {
            while (!undelivered.isEmpty() && (undelivered.size() >= maxUndelivered
                    || undeliveredBytes + m.payload().length > maxUndeliveredBytes)) {
                throwIfDeliveryFailed();
                deliveryChanged.await();
            }
            throwIfDeliveryFailed();
            undelivered.addLast(m);
            undeliveredBytes += m.payload().length;
            deliveryChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Reader, after the peer finished: waits until everything read is delivered. */
    private void awaitDelivered() throws Exception {
        lock.lock();
        try {
            while (!undelivered.isEmpty()) {
                throwIfDeliveryFailed();
                deliveryChanged.await();
            }
            throwIfDeliveryFailed();
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. */
    private void throwIfDeliveryFailed() throws Exception {
        Exception failed = deliveryFailure;
        if (failed != null) {
            throw failed;
        }
    }

    private void deliveryLoop() {
        try {
            while (true) {
                ChannelMessage m;
                lock.lock();
                try {
                    while (undelivered.isEmpty() && !stopped) {
                        deliveryChanged.await();
                    }
                    if (undelivered.isEmpty()) {
                        return; // stopped
                    }
                    m = undelivered.peekFirst();
                } finally {
                    lock.unlock();
                }
                inbox.deliver(m);
                lock.lock();
                try {
                    if (!undelivered.isEmpty() && undelivered.peekFirst() == m) {
                        undelivered.removeFirst();
                    }
                    undeliveredBytes = undelivered.stream().mapToLong(x -> x.payload().length).sum();
                    deliveryChanged.signalAll();
                } finally {
                    lock.unlock();
                }
                acknowledgeableChanged();
            }
        } catch (InterruptedException e) {
            // Stopped.
        } catch (Exception e) {
            if (!stopped) {
                deliveryFailure = e;
                resetQuietly(e instanceof ProtocolException p ? p.code() : ErrorCode.SERVICE_ERROR);
                lock.lock();
                try {
                    deliveryChanged.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Resets the stream unless it is gone already (its connection's event loop may have ended). */
    private void resetQuietly(ErrorCode code) {
        try {
            stream.reset(code);
        } catch (RuntimeException ignored) {
            // Nothing left to reset.
        }
    }

    private void awaitWork(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!wakeRequested && !stopped && left > 0) {
                left = wakeUp.awaitNanos(left);
            }
            wakeRequested = false;
        } finally {
            lock.unlock();
        }
    }
}
