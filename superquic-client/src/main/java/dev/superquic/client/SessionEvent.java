package dev.superquic.client;

import dev.superquic.protocol.Messages.NotResumedReason;

/**
 * A connection of the session was established.
 *
 * @param sessionId the session now in use
 * @param resumed whether the previous session came back with its state
 * @param reason why it did not, when a resume was attempted and failed; else null
 * @param reconnect whether this followed a connection loss (false for the first connect)
 */
public record SessionEvent(String sessionId, boolean resumed, NotResumedReason reason, boolean reconnect) {
}
