package dev.superquic.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test (and a class, for leaks found after its last test) when Netty reported a leak.
 * Registered for every test through JUnit's extension auto-detection.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        assertThat(LeakRecorder.isInstalled()).as("leak recorder installed by the launcher listener").isTrue();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName() + " (after all tests)");
    }

    private static void assertNoLeaks(String where) {
        List<String> leaks = LeakRecorder.collect();
        assertThat(leaks).as("Netty buffer leaks detected in " + where).isEmpty();
    }
}
