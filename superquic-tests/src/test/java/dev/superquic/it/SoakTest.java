package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.bench.relay.UdpRelay;
import dev.superquic.bench.soak.Soak;
import dev.superquic.bench.soak.Workload;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
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
            try (SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(relay.address(),
                         server.certificateFingerprint()).build());
                 ClientSession session = client.connect()) {
                for (Workload w : Workload.values()) {
                    Soak.Outcome outcome = new Soak(session, new Soak.Settings(w, w == Workload.STREAMS ? 2 : 10, 2,
                            128 * 1024, Duration.ofSeconds(60)), (s, id) -> List.of(), line -> { }).run();
                    assertThat(outcome.ok()).as(outcome.summary() + " " + outcome.problems()).isEqualTo(outcome.settings().count());
                }
            }
        }
    }

    @Test
    void aStalledTransferCountsAsHungWithTheStatesOfBothEnds() throws Exception {
        // A kv service that takes the request and never answers.
        try (SuperQuicServer server = SuperQuicServer.builder(Fixtures.serverConfig().build())
                .service("kv", stream -> {
                    stream.readFrame();
                    stream.input().read();
                }).start();
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(server).build());
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
