/**
 * Fails tests on Netty buffer leaks: Netty's leak detector at PARANOID, its reports recorded
 * ({@code LeakRecorder}) and checked after each test and class ({@code LeakCheckExtension}).
 * Part of the test kit ({@code superquic-testing} requires it); on its own it needs nothing of
 * superquic, which is why superquic's own modules test with it too.
 */
module dev.superquic.leakcheck {
    requires transitive io.netty.common;
    requires io.netty.buffer;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.platform.launcher;

    exports dev.superquic.leakcheck;

    provides org.junit.jupiter.api.extension.Extension with dev.superquic.leakcheck.LeakCheckExtension;
    provides org.junit.platform.launcher.LauncherSessionListener
            with dev.superquic.leakcheck.LeakDetectionInstaller;
}
