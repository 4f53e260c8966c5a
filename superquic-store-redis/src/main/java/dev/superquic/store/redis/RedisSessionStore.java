package dev.superquic.store.redis;

import dev.superquic.server.session.ResumeTokens;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.server.session.StateLimitException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
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
 * a Redis TTL; no keyspace notifications are needed. A token is 32 random bytes followed by its
 * session's id, in base64url (so a resume is one script in that session's slot); the session keeps only the
 * token's SHA-256, and its tombstone {@code sq:{id}:x} keeps that hash a day longer than the
 * session, so that a late resume learns "expired". Session counts are two global keys, kept by
 * each call (Cluster: in another slot than the session, so not in the same script; they are
 * metrics and the sessions limit, not state). That bookkeeping goes out without waiting for
 * Redis's answer: on the same connection, Redis carries it out before any later command of this
 * store, so each call costs one round trip.
 *
 * <p>When an attach takes a session from another owner, the store publishes the old owner on the
 * channel {@code sq:takeover}; every store listening tells its {@link #onTakenOver} listeners, so
 * the node that had the session closes that connection at once. Redis failures become
 * {@link SessionStoreException}s; Lettuce reconnects by itself, and calls work again when Redis
 * is back. Commands fail at once while the connection is down (with Cluster: after {@code timeout},
 * since the cluster client connects to each node at its first command), and after {@code timeout}
 * when Redis does not answer. With Cluster the counting keys live on another node than a session,
 * so counts may lag the calls that changed them by a moment.
 */
public final class RedisSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    private static final String TAKEOVER_CHANNEL = "sq:takeover";
    private static final String CLUSTER_SCHEME = "redis-cluster://";
    private static final String ATTACHED_COUNT = "sq:n:attached";
    private static final String DETACHED_SET = "sq:n:detached";
    private static final long TOMBSTONE_MILLIS = TimeUnit.HOURS.toMillis(24);
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final String uri;
    private final Duration ttl;
    private final int maxKeys;
    private final long maxChars;
    private final AbstractRedisClient client;
    private final AutoCloseable connection;
    private final RedisClusterCommands<String, String> redis;
    /** For bookkeeping whose answer nobody waits for (counts, the index's TTL): one round trip less each. */
    private final RedisClusterAsyncCommands<String, String> background;
    private final StatefulRedisPubSubConnection<String, String> takeovers;
    private final RedisScripts scripts;
    private final RedisChannels channels;
    private final List<Consumer<String>> expiryListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> takeoverListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** How long {@link #sessionCount()} reuses a count. */
    private static final long COUNT_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** The last count and when it was taken ({@code System.nanoTime()}); null before the first. */
    private volatile long[] sessionCountCache;
    private final java.util.concurrent.ScheduledExecutorService sweeper =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "superquic-redis-sweeper");
                t.setDaemon(true);
                return t;
            });

    private RedisSessionStore(String uri, Duration ttl, int maxKeys, long maxChars, AbstractRedisClient client,
                              AutoCloseable connection, RedisClusterCommands<String, String> redis,
                              RedisClusterAsyncCommands<String, String> background,
                              StatefulRedisPubSubConnection<String, String> takeovers) {
        this.uri = uri;
        this.ttl = ttl;
        this.maxKeys = maxKeys;
        this.maxChars = maxChars;
        this.client = client;
        this.connection = connection;
        this.redis = redis;
        this.background = background;
        this.takeovers = takeovers;
        this.scripts = new RedisScripts(redis);
        this.channels = new RedisChannels(scripts, TOMBSTONE_MILLIS, maxKeys, maxChars, work -> call(work));
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
                    countDroppedMessages(id);
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
     * {@code rediss://} for TLS; Sentinel: {@code redis-sentinel://host:port,host:port/db#master};
     * Cluster: {@code redis-cluster://[user:password@]host:port[,host:port...]}, the nodes to learn
     * the cluster from).
     *
     * @param timeout how long a command may wait for Redis's answer
     * @throws SessionStoreException naming the address when Redis cannot be reached at start-up
     */
    public static RedisSessionStore open(String uri, Duration ttl, int maxKeys, long maxChars, Duration timeout) {
        SessionStore.checkSettings(ttl, maxKeys, maxChars);
        ClientOptions.DisconnectedBehavior reject = ClientOptions.DisconnectedBehavior.REJECT_COMMANDS;
        AbstractRedisClient client;
        AutoCloseable connection = null;
        StatefulRedisPubSubConnection<String, String> pubSub = null;
        try {
            RedisClusterCommands<String, String> sync;
            RedisClusterAsyncCommands<String, String> async;
            if (uri.startsWith(CLUSTER_SCHEME)) {
                RedisClusterClient cluster = RedisClusterClient.create(clusterSeeds(uri, timeout));
                // Commands wait (up to the timeout) while a connection is down: the cluster client
                // connects to each node lazily, at its first command, and would reject that one.
                cluster.setOptions(ClusterClientOptions.builder().autoReconnect(true)
                        .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
                client = cluster;
                StatefulRedisClusterConnection<String, String> c = cluster.connect();
                connection = c;
                sync = c.sync();
                async = c.async();
                pubSub = cluster.connectPubSub();
            } else {
                RedisURI redisUri = RedisURI.create(uri);
                redisUri.setTimeout(timeout);
                RedisClient single = RedisClient.create(redisUri);
                single.setOptions(ClientOptions.builder().autoReconnect(true).disconnectedBehavior(reject)
                        .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
                client = single;
                StatefulRedisConnection<String, String> c = single.connect();
                connection = c;
                sync = c.sync();
                async = c.async();
                pubSub = single.connectPubSub();
            }
            sync.ping();
            RedisSessionStore store = new RedisSessionStore(uri, ttl, maxKeys, maxChars, client, connection, sync,
                    async, pubSub);
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String owner) {
                    store.fire(store.takeoverListeners, owner);
                }
            });
            pubSub.sync().subscribe(TAKEOVER_CHANNEL);
            log.info("session store: Redis at {}", redact(uri));
            return store;
        } catch (IllegalArgumentException e) {
            throw new SessionStoreException("not a Redis URI: " + redact(uri) + " (" + e.getMessage() + ")", e);
        } catch (RedisException e) {
            closeQuietly(pubSub);
            closeQuietly(connection);
            throw new SessionStoreException("Redis at " + redact(uri) + " cannot be reached: " + e.getMessage(), e);
        }
    }

    /** {@code redis-cluster://[user:password@]host:port[,host:port...]}: the nodes to learn the cluster from. */
    private static List<RedisURI> clusterSeeds(String uri, Duration timeout) {
        String rest = uri.substring(CLUSTER_SCHEME.length());
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String credentials = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = credentials.indexOf(':');
            user = colon < 0 ? null : credentials.substring(0, colon);
            password = colon < 0 ? credentials : credentials.substring(colon + 1);
        }
        List<RedisURI> seeds = new java.util.ArrayList<>();
        for (String hostPort : rest.replaceAll("/.*$", "").split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("cluster nodes must be host:port, got '" + hostPort + "'");
            }
            RedisURI.Builder seed = RedisURI.Builder.redis(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))).withTimeout(timeout);
            if (password != null) {
                seed = user == null || user.isEmpty() ? seed.withPassword(password.toCharArray())
                        : seed.withAuthentication(user, password.toCharArray());
            }
            seeds.add(seed.build());
        }
        return seeds;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            log.debug("closing a Redis connection: {}", e.toString());
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
        String id = ResumeTokens.newSessionId();
        // The token names its session, so that a resume is one script in that session's slot; its
        // secret is the random part, which only the hash in the session checks.
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] raw = new byte[ResumeTokens.TOKEN_BYTES + idBytes.length];
        RANDOM.nextBytes(raw);
        System.arraycopy(idBytes, 0, raw, ResumeTokens.TOKEN_BYTES, idBytes.length);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String hash = ResumeTokens.hashHex(token);
        call(() -> {
            scripts.create(id, hash, owner);
            background.incr(ATTACHED_COUNT);
            return null;
        });
        return new NewSession(id, token, 1);
    }

    @Override
    public AttachResult attach(String token, String owner) {
        String id = sessionOf(token);
        if (id == null) {
            return AttachResult.notFound(AttachResult.Status.UNKNOWN); // not a token of this store
        }
        String hash = ResumeTokens.hashHex(token);
        return call(() -> {
            List<Object> r = scripts.attach(id, hash, owner);
            String status = (String) r.get(0);
            switch (status) {
                case "attached" -> {
                    long generation = Long.parseLong((String) r.get(1));
                    String previous = (String) r.get(2);
                    // Same connection, so Redis runs these before any later command of this store.
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
                    countDroppedMessages(id);
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
            if (!scripts.detach(sessionId, generation, ttl.toMillis(), TOMBSTONE_MILLIS)) {
                return false;
            }
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
                case "keys" -> throw StateLimitException.atKeyLimit(maxKeys);
                case "chars" -> throw StateLimitException.overChars(RedisScripts.amount(r), maxChars);
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
     * The sessions of all nodes, for the limit checked before each new session: at most
     * {@link #COUNT_CACHE_NANOS} old, so that a new session costs its own round trip and not two
     * more for counting (the limit is approximate across nodes anyway).
     */
    @Override
    public long sessionCount() {
        long now = System.nanoTime();
        long[] cached = sessionCountCache;
        if (cached != null && now - cached[1] < COUNT_CACHE_NANOS) {
            return cached[0];
        }
        SessionCounts c = counts();
        long total = c.attached() + c.detached();
        sessionCountCache = new long[] {total, now};
        return total;
    }

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
    public Optional<dev.superquic.server.session.ChannelLog> channelLog() {
        return Optional.of(channels);
    }

    /**
     * An expired session's channel messages, counted by {@code sq:{id}:k}, which outlives the
     * session's other keys for the tombstone's time; the one node that takes it counts them.
     */
    private void countDroppedMessages(String sessionId) {
        String kept = redis.getdel(RedisScripts.keys(sessionId)[6]);
        if (kept != null) {
            channels.messagesExpired(Long.parseLong(kept));
        }
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
        closeQuietly(connection);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** The session a token of this store names (after its random part), or null for anything else. */
    static String sessionOf(String token) {
        try {
            byte[] raw = Base64.getUrlDecoder().decode(token);
            if (raw.length <= ResumeTokens.TOKEN_BYTES) {
                return null;
            }
            String id = new String(raw, ResumeTokens.TOKEN_BYTES, raw.length - ResumeTokens.TOKEN_BYTES,
                    StandardCharsets.UTF_8);
            return id.matches("[A-Za-z0-9_-]{1,64}") ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static RuntimeException outcome(List<Object> r, String sessionId, long generation) {
        return "fenced".equals(r.get(0)) ? new SessionFencedException(sessionId, generation)
                : new SessionGoneException(sessionId);
    }

    private <T> T call(Supplier<T> work) {
        try {
            return work.get();
        } catch (RedisException e) {
            throw new SessionStoreException("Redis at " + redact(uri) + " failed: " + e.getMessage(), e);
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
