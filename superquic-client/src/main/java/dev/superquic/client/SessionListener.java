package dev.superquic.client;

/** Told about the life of a {@link ClientSession}. Called on client threads; keep it quick. */
public interface SessionListener {

    /** A connection was established and the session bound (first connect and every reconnect). */
    default void onConnected(SessionEvent event) {
    }

    /**
     * The server announced it is shutting down and will close this connection within
     * {@code grace}. Streams already open may finish; new streams wait for the reconnect.
     */
    default void onGoingAway(java.time.Duration grace) {
    }

    /** The connection was lost; a reconnect follows if the policy allows. */
    default void onDisconnected(Throwable cause) {
    }

    /** A reconnect attempt failed. */
    default void onReconnectFailed(int attempt, Throwable cause) {
    }

    /** The session ended for good: closed by the user, taken over, or reconnects gave up. */
    default void onClosed(Throwable cause) {
    }
}
