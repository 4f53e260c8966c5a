/**
 * The test kit for code built on superquic: servers and clients on the loopback for tests
 * ({@code Loopback}), executors that never hang a test ({@code TestThreads}), the contract tests
 * that every {@code SessionStore} and channel log must pass, and, required transitively, the
 * Netty leak check ({@code dev.superquic.leakcheck}) and the fault-injecting UDP relay
 * ({@code dev.superquic.relay}).
 */
@SuppressWarnings("requires-automatic") // Awaitility has no module descriptor
module dev.superquic.testing {
    requires transitive dev.superquic.server;
    requires transitive dev.superquic.client;
    requires transitive dev.superquic.leakcheck;
    requires transitive dev.superquic.relay;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires awaitility;

    exports dev.superquic.testing;
    exports dev.superquic.testing.session;
    // JUnit creates and runs the contract's nested test classes by reflection.
    opens dev.superquic.testing.session to org.junit.platform.commons;
}
