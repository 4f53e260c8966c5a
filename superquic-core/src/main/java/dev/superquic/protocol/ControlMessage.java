package dev.superquic.protocol;

/**
 * A message of the control stream (docs/PROTOCOL.md, section 3), either direction. Every control
 * message is one of these records, and {@link Messages} is their only codec: no control message
 * is built or parsed from strings anywhere else.
 */
public sealed interface ControlMessage permits Messages.Hello, Messages.SessionGranted, Messages.ErrorMessage,
        Messages.StreamEnd, Messages.Ping, Messages.Pong, Messages.GoAway {
}
