package dev.superquic.leakcheck;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test (and a class, for leaks found after its last test) when Netty reported a leak.
 * Registered for every test through JUnit's extension auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}), or per class with
 * {@code @ExtendWith(LeakCheckExtension.class)}.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** Created by JUnit. */
    public LeakCheckExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        assertTrue(LeakRecorder.isInstalled(), "leak recorder installed by the launcher listener");
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
        assertTrue(leaks.isEmpty(), () -> "Netty buffer leaks detected in " + where + ": " + leaks);
    }
}
