package dev.superquic.server.session;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

class SqliteChannelLogTest extends ChannelLogContract {
    @TempDir
    Path dir;
    private final AtomicInteger stores = new AtomicInteger();

    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        return SqliteSessionStore.open(dir.resolve("store-" + stores.incrementAndGet()), ttl, maxKeys, maxChars,
                SqliteSessionStore.Sync.NORMAL);
    }
}
