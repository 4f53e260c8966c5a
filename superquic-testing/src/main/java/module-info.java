/** The test kit: contract tests that every {@code SessionStore} and channel log must pass. */
@SuppressWarnings("requires-automatic") // Awaitility has no module descriptor
module dev.superquic.testing {
    requires transitive dev.superquic.server;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires awaitility;

    exports dev.superquic.testing.session;
    // JUnit creates and runs the contract's nested test classes by reflection.
    opens dev.superquic.testing.session to org.junit.platform.commons;
}
