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

    @Test
    void aWaiterRunsOnceTheSpentBudgetAndItsParentHaveRoom() {
        InboundBudget server = new InboundBudget(100, null);
        InboundBudget one = new InboundBudget(60, server);
        InboundBudget two = new InboundBudget(60, server);
        assertThat(one.forceReserve(70)).as("over the connection's 60").isFalse();
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        one.whenRoom(ran::incrementAndGet);
        assertThat(ran).hasValue(0);
        assertThat(two.forceReserve(50)).as("120 of the server's 100").isFalse();
        one.release(20);
        assertThat(ran).as("the connection has room, the server has not: it waits there").hasValue(0);
        two.release(50);
        assertThat(ran).hasValue(1);
        assertThat(one.exhaustedCount()).isEqualTo(1);
        two.whenRoom(ran::incrementAndGet);
        assertThat(ran).as("room at once: runs at once").hasValue(2);
    }
}
