package dev.superquic.leakcheck;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs {@link LeakRecorder} when the JUnit launcher starts, before any test class loads Netty.
 * Registered through {@code META-INF/services}: having this module on the test class path is
 * enough.
 */
public final class LeakDetectionInstaller implements LauncherSessionListener {
    /** Created by the JUnit launcher. */
    public LeakDetectionInstaller() {
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakRecorder.install();
    }
}
