/**
 * A loopback UDP relay that injects faults between a client and a server ({@code UdpRelay}).
 * It needs nothing but the JDK: the test kit ({@code dev.superquic.testing}) and the bench's soak
 * runs both require it.
 */
module dev.superquic.relay {
    exports dev.superquic.relay;
}
