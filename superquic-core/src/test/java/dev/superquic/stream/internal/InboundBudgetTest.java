package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InboundBudgetTest {
    @Test
    void aReservationMustFitTheConnectionsBudgetAndTheServersAndATurnedDownOneHoldsNothing() {
        InboundBudget server = new InboundBudget(100, null);
        InboundBudget one = new InboundBudget(60, server);
        InboundBudget two = new InboundBudget(60, server);
        assertThat(one.tryReserve(50)).isTrue();
        assertThat(one.tryReserve(20)).as("over the connection's 60").isFalse();
        assertThat(two.tryReserve(55)).as("over the server's 100").isFalse();
        assertThat(two.used()).isZero();
        assertThat(server.used()).isEqualTo(50);
        assertThat(two.tryReserve(50)).isTrue();
        one.release(50);
        assertThat(server.used()).isEqualTo(50);
        assertThat(one.tryReserve(50)).isTrue();
    }
}
