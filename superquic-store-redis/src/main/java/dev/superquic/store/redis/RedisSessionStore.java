package dev.superquic.store.redis;

import dev.superquic.server.session.ResumeTokens;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.server.session.StateLimitException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions in Redis, shared by every node that points at the same server: a session created on
 * one node resumes on another with its state.
 *
 * <p>Keys of one session carry its id as a hash tag ({@code sq:{id}:s} for the session,
 * {@code :d} for its state, {@code :l} for the sizes of its entries), so each session lives in one
 * Redis Cluster slot. Every attach, detach and state write is one Lua script ({@link RedisScripts})
 * that checks the caller's generation inside Redis: a paused or partitioned old owner can never
 * overwrite the state of the connection that took the session over. A detached session's keys get
 * a Redis TTL; no keyspace notifications are needed. The token index {@code sq:t:<hash>} (the
 * SHA-256 of the token, never the token) outlives an expired session by a day and serves as its
 * tombstone. Sessions counts are two global keys, kept by each call (Cluster: in another slot than
 * the session, so not in the same script; they are metrics and the sessions limit, not state).
 * That bookkeeping, and the index's TTL, go out without waiting for Redis's answer: on the same
 * connection, Redis carries them out before any later command of this store, and a call costs
 * only the round trips it needs (an attach two: the index, then its script).
 *
 * <p>When an attach takes a session from another owner, the store publishes the old owner on the
 * channel {@code sq:takeover}; every store listening tells its {@link #onTakenOver} listeners, so
 * the node that had the session closes that connection at once. Redis failures become
 * {@link SessionStoreException}s; Lettuce reconnects by itself, and calls work again when Redis
 * is back. Commands fail at once while the connection is down, and after {@code timeout} when
 * Redis does not answer.
 */
public final class RedisSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final String TAKEOVER_CHANNEL = "sq:takeover";
    private static final String ATTACHED_COUNT = "sq:n:attached";
    private static final String DETACHED_SET = "sq:n:detached";
    private static final long TOMBSTONE_MILLIS = TimeUnit.HOURS.toMillis(24);

    private final RedisURI uri;
    private final Duration ttl;
    private final int maxKeys;
    private final long maxChars;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    /** For bookkeeping whose answer nobody waits for (counts, the index's TTL): one round trip less each. */
    private final io.lettuce.core.api.async.RedisAsyncCommands<String, String> background;
    private final StatefulRedisPubSubConnection<String, String> takeovers;
    private final RedisScripts scripts;
    private final List<Consumer<String>> expiryListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> takeoverListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final java.util.concurrent.ScheduledExecutorService sweeper =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "superquic-redis-sweeper");
                t.setDaemon(true);
                return t;
            });

    private RedisSessionStore(RedisURI uri, Duration ttl, int maxKeys, long maxChars, RedisClient client,
                              StatefulRedisConnection<String, String> connection,
                              StatefulRedisPubSubConnection<String, String> takeovers) {
        this.uri = uri;
        this.ttl = ttl;
        this.maxKeys = maxKeys;
        this.maxChars = maxChars;
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
        this.background = connection.async();
        this.takeovers = takeovers;
        this.scripts = new RedisScripts(redis);
        long period = Math.clamp(ttl.toMillis() / 4, 10, 1000);
        sweeper.scheduleWithFixedDelay(this::noticeExpired, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Tells the expiry listeners about sessions whose TTL passed: Redis dropped their keys without
     * a word. Of several nodes, the one whose removal from the detached set succeeds tells.
     */
    private void noticeExpired() {
        try {
            List<String> due = redis.zrangebyscore(DETACHED_SET,
                    io.lettuce.core.Range.create(0d, (double) System.currentTimeMillis()));
            for (String id : due) {
                if (redis.exists(RedisScripts.keys(id)[0]) == 0 && redis.zrem(DETACHED_SET, id) == 1) {
                    fire(expiryListeners, id);
                }
            }
        } catch (RedisException e) {
            log.debug("expiry sweep: {}", e.toString()); // Redis is down; the next sweep tries again
        } catch (RuntimeException e) {
            log.warn("expiry sweep failed", e);
        }
    }

    /**
     * Connects to the Redis at {@code uri} ({@code redis://[user:password@]host:port[/db]},
     * {@code rediss://} for TLS; Sentinel: {@code redis-sentinel://host:port,host:port/db#master}).
     *
     * @param timeout how long a command may wait for Redis's answer
     * @throws SessionStoreException naming the address when Redis cannot be reached at start-up
     */
    public static RedisSessionStore open(String uri, Duration ttl, int maxKeys, long maxChars, Duration timeout) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("session TTL must be positive");
        }
        if (maxKeys < 1 || maxChars < 1) {
            throw new IllegalArgumentException("session state limits must be positive");
        }
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new SessionStoreException("not a Redis URI: " + redact(uri) + " (" + e.getMessage() + ")", e);
        }
        redisUri.setTimeout(timeout);
        RedisClient client = RedisClient.create(redisUri);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
        StatefulRedisConnection<String, String> connection = null;
        StatefulRedisPubSubConnection<String, String> pubSub = null;
        try {
            connection = client.connect();
            connection.sync().ping();
            pubSub = client.connectPubSub();
            RedisSessionStore store = new RedisSessionStore(redisUri, ttl, maxKeys, maxChars, client, connection, pubSub);
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String owner) {
                    store.fire(store.takeoverListeners, owner);
                }
            });
            pubSub.sync().subscribe(TAKEOVER_CHANNEL);
            log.info("session store: Redis at {}", redact(uri));
            return store;
        } catch (RedisException e) {
            if (pubSub != null) {
                pubSub.close();
            }
            if (connection != null) {
                connection.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw new SessionStoreException("Redis at " + redact(uri) + " cannot be reached: " + e.getMessage(), e);
        }
    }

    /** The URI without its password, for messages and logs. */
    public static String redact(String uri) {
        return uri.replaceAll("//([^:@/]*):[^@/]*@", "//$1:***@");
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public NewSession create(String owner) {
        String token = ResumeTokens.newToken();
        String id = ResumeTokens.newSessionId();
        String hash = ResumeTokens.hashHex(token);
        call(() -> {
            scripts.create(id, hash, owner);
            redis.set(indexKey(hash), id);
            background.incr(ATTACHED_COUNT);
            return null;
        });
        return new NewSession(id, token, 1);
    }

    @Override
    public AttachResult attach(String token, String owner) {
        String hash = ResumeTokens.hashHex(token);
        return call(() -> {
            String id = redis.get(indexKey(hash));
            if (id == null) {
                return AttachResult.notFound(AttachResult.Status.UNKNOWN);
            }
            List<Object> r = scripts.attach(id, hash, owner);
            String status = (String) r.get(0);
            switch (status) {
                case "attached" -> {
                    long generation = Long.parseLong((String) r.get(1));
                    String previous = (String) r.get(2);
                    // Same connection, so Redis runs these before any later command of this store.
                    background.persist(indexKey(hash));
                    if (previous.isEmpty()) {
                        background.zrem(DETACHED_SET, id);
                        background.incr(ATTACHED_COUNT);
                        return new AttachResult(AttachResult.Status.ATTACHED, id, generation, null);
                    }
                    background.publish(TAKEOVER_CHANNEL, previous);
                    return new AttachResult(AttachResult.Status.ATTACHED, id, generation, previous);
                }
                case "expired" -> {
                    background.zrem(DETACHED_SET, id);
                    fire(expiryListeners, id); // noticed now: Redis expired it without telling anyone
                    return AttachResult.notFound(AttachResult.Status.EXPIRED);
                }
                default -> {
                    return AttachResult.notFound(AttachResult.Status.UNKNOWN); // another session's token
                }
            }
        });
    }

    @Override
    public boolean detach(String sessionId, long generation) {
        return call(() -> {
            String hash = scripts.detach(sessionId, generation, ttl.toMillis());
            if (hash == null) {
                return false;
            }
            background.pexpire(indexKey(hash), ttl.toMillis() + TOMBSTONE_MILLIS);
            background.decr(ATTACHED_COUNT);
            background.zadd(DETACHED_SET, System.currentTimeMillis() + ttl.toMillis(), sessionId);
            return true;
        });
    }

    @Override
    public Optional<String> get(String sessionId, String key) {
        return call(() -> {
            List<Object> r = scripts.get(sessionId, key);
            if ("gone".equals(r.get(0))) {
                throw new SessionGoneException(sessionId);
            }
            return Optional.ofNullable(r.size() > 1 ? (String) r.get(1) : null);
        });
    }

    @Override
    public void put(String sessionId, long generation, String key, String value) {
        call(() -> {
            List<Object> r = scripts.put(sessionId, generation, key, value, key.length() + value.length(), maxKeys,
                    maxChars);
            switch ((String) r.get(0)) {
                case "ok" -> {
                    return null;
                }
                case "keys" -> throw new StateLimitException("session state holds its limit of " + maxKeys + " keys");
                case "chars" -> throw new StateLimitException("session state would hold " + r.get(1)
                        + " characters, over its limit of " + maxChars);
                default -> throw outcome(r, sessionId, generation);
            }
        });
    }

    @Override
    public boolean delete(String sessionId, long generation, String key) {
        return call(() -> {
            List<Object> r = scripts.delete(sessionId, generation, key);
            return switch ((String) r.get(0)) {
                case "deleted" -> true;
                case "absent" -> false;
                default -> throw outcome(r, sessionId, generation);
            };
        });
    }

    @Override
    public Map<String, String> entries(String sessionId) {
        return call(() -> {
            List<Object> r = scripts.entries(sessionId);
            if ("gone".equals(r.get(0))) {
                throw new SessionGoneException(sessionId);
            }
            Map<String, String> entries = new TreeMap<>();
            for (int i = 1; i + 1 < r.size(); i += 2) {
                entries.put((String) r.get(i), (String) r.get(i + 1));
            }
            return Collections.unmodifiableMap(entries);
        });
    }

    /**
     * Sessions in the whole Redis, as the nodes' calls kept them: attached from a counter,
     * detached from a set scored by expiry time (entries past it are not counted).
     */
    @Override
    public SessionCounts counts() {
        return call(() -> {
            String attached = redis.get(ATTACHED_COUNT);
            long detached = redis.zcount(DETACHED_SET,
                    io.lettuce.core.Range.create((double) System.currentTimeMillis(), Double.POSITIVE_INFINITY));
            return new SessionCounts(attached == null ? 0 : Math.max(0, Long.parseLong(attached)), detached);
        });
    }

    @Override
    public void onExpired(Consumer<String> listener) {
        expiryListeners.add(listener);
    }

    @Override
    public void onTakenOver(Consumer<String> listener) {
        takeoverListeners.add(listener);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.shutdownNow();
        takeovers.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String indexKey(String tokenHash) {
        return "sq:t:" + tokenHash;
    }

    private static RuntimeException outcome(List<Object> r, String sessionId, long generation) {
        return "fenced".equals(r.get(0)) ? new SessionFencedException(sessionId, generation)
                : new SessionGoneException(sessionId);
    }

    private <T> T call(Supplier<T> work) {
        try {
            return work.get();
        } catch (RedisException e) {
            throw new SessionStoreException("Redis at " + redact(uri.toString()) + " failed: " + e.getMessage(), e);
        }
    }

    private void fire(List<Consumer<String>> listeners, String value) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(value);
            } catch (RuntimeException e) {
                log.warn("session store listener failed", e);
            }
        }
    }
}
