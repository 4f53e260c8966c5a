package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.bench.soak.ChannelSoak;
import dev.superquic.bench.soak.Soak;
import dev.superquic.bench.soak.Workload;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.testing.Loopback;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak runner itself: it passes transfers that end right and reports one that stalls. */
class SoakTest {
    @Test
    void everyWorkloadEndsRightThroughALossyRelay() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            relay.mode(UdpRelay.Mode.LOSSY);
            relay.dropRate(0.05);
            relay.duplicateRate(0.05);
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                         server.certificateFingerprint()).build());
                 ClientSession session = client.connect()) {
                for (Workload w : Workload.values()) {
                    if (w == Workload.CHANNEL) {
                        continue; // a flow of messages, not transfers: the tests below
                    }
                    Soak.Outcome outcome = new Soak(session, new Soak.Settings(w, w == Workload.STREAMS ? 2 : 10, 2,
                            128 * 1024, Duration.ofSeconds(60)), (s, id) -> List.of(), line -> { }).run();
                    assertThat(outcome.ok()).as(outcome.summary() + " " + outcome.problems()).isEqualTo(outcome.settings().count());
                }
            }
        }
    }

    @Test
    void aChannelSoakLosesNothingThroughLossAndBlackholesThatForceReconnects() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            relay.mode(UdpRelay.Mode.LOSSY);
            relay.dropRate(0.02);
            relay.duplicateRate(0.02);
            relay.delay(Duration.ofMillis(10), Duration.ZERO);
            java.util.concurrent.atomic.AtomicLong reconnects = new java.util.concurrent.atomic.AtomicLong();
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                         server.certificateFingerprint()).idleTimeout(Duration.ofSeconds(1))
                         .channels(new dev.superquic.channel.ChannelSettings(16, 1 << 20, Duration.ofSeconds(30))).build());
                 ClientSession session = client.connect(new dev.superquic.client.SessionListener() {
                     @Override
                     public void onConnected(dev.superquic.client.SessionEvent event) {
                         if (event.reconnect()) {
                             reconnects.incrementAndGet();
                         }
                     }
                 })) {
                // Once connected, the path goes dark for longer than the idle timeout again and again.
                relay.blackholeWindows(Duration.ofMillis(2500), Duration.ofMillis(1500));
                // Paced so that the run spans several blackholes: 16 messages in flight, 20 ms round trips.
                ChannelSoak.Outcome outcome = new ChannelSoak(session, 600, 64, Duration.ofSeconds(30), reconnects::get,
                        line -> { }).run();
                assertThat(outcome.clean()).as(outcome.summary()).isTrue();
                assertThat(outcome.reconnects()).as(outcome.summary()).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aChannelSoakReportsRepliesThatCameTwiceOrWereLost() throws Exception {
        // A tally that answers message 5 twice and never answers message 7.
        try (SuperQuicServer server = SuperQuicServer.builder(Loopback.serverConfig().build())
                .service(dev.superquic.demo.KvService.NAME, new dev.superquic.demo.KvService())
                .channel("tally", (channel, message) -> {
                    if (message.sequence() != 7) {
                        channel.send(message.payload());
                    }
                    if (message.sequence() == 5) {
                        channel.send(message.payload());
                    }
                }).start();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            ChannelSoak.Outcome outcome = new ChannelSoak(session, 10, 8, Duration.ofSeconds(2), () -> 0, line -> { })
                    .run();
            assertThat(outcome.clean()).isFalse();
            assertThat(outcome.duplicated()).isEqualTo(1);
            assertThat(outcome.lost()).isEqualTo(1);
            assertThat(outcome.serverCounted()).as("this tally kept no count").isZero();
        }
    }

    @Test
    void aStalledTransferCountsAsHungWithTheStatesOfBothEnds() throws Exception {
        // A kv service that takes the request and never answers.
        try (SuperQuicServer server = SuperQuicServer.builder(Loopback.serverConfig().build())
                .service("kv", stream -> {
                    stream.readFrame();
                    stream.input().read();
                }).start();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            Soak.Outcome outcome = new Soak(session, new Soak.Settings(Workload.KV, 1, 1, 1, Duration.ofSeconds(2)),
                    (s, id) -> server.describeStreams().stream().filter(l -> l.contains(" stream " + id + ":")).toList(),
                    line -> { }).run();
            assertThat(outcome.hung()).isEqualTo(1);
            assertThat(outcome.problems()).singleElement().asString().contains("hung: transfer 0")
                    .contains("client stream 4: in[buffered=0 reader-waiting]")
                    .contains("server conn=c1 session=" + session.id() + " service=kv stream 4:");
        }
    }
}
