package dev.superquic.server.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ReplySourceTest {
    @Test
    void onlyPeersThatTheKernelWouldAnswerFromAnotherAddressArePinnedAndTheMapIsBounded() throws Exception {
        InetAddress one = InetAddress.getByName("127.0.0.1");
        InetAddress two = InetAddress.getByName("127.0.0.2");
        ReplySource.Destinations destinations = new ReplySource.Destinations(2);
        InetSocketAddress peer = new InetSocketAddress(one, 40_000);
        destinations.heard(peer, one);
        assertThat(destinations.pinnedSource(peer)).as("the route's own choice: Netty sends").isNull();
        destinations.heard(peer, two);
        assertThat(destinations.pinnedSource(peer)).as("the route would answer from 127.0.0.1").isEqualTo(two);
        destinations.heard(new InetSocketAddress(one, 40_001), two);
        destinations.heard(new InetSocketAddress(one, 40_002), two);
        assertThat(destinations.pinnedSource(peer)).as("least recently heard from, first out").isNull();
        destinations.heard(peer, two);
        assertThat(destinations.pinnedSource(peer)).as("learnt again from its next datagram").isEqualTo(two);
    }
}
