package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison table people read. */
class ReportTest {
    @Test
    void longScenarioAndFigureNamesKeepTheColumnsAligned() {
        String table = Report.comparison(Report.summarize(List.of(
                new BenchResult("rpc", "superquic", Map.of("req/s", 2.0)),
                new BenchResult("rpc", "raw-quic", Map.of("req/s", 4.0)),
                new BenchResult("throughput-download-x100", "superquic", Map.of("CPU us/MB server loop", 3000.0)),
                new BenchResult("throughput-download-x100", "raw-quic", Map.of("CPU us/MB server loop", 2000.0)))));

        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(3);
        // Every row's superquic cell starts where the header's superquic column does.
        int column = lines.get(0).indexOf("superquic");
        assertThat(lines.get(1).indexOf("2.00 (2.00..2.00)")).isEqualTo(column);
        assertThat(lines.get(2).indexOf("3000 (3000..3000)")).isEqualTo(column);
        assertThat(lines.get(2)).contains("superquic/raw-quic=1.50");
    }
}
