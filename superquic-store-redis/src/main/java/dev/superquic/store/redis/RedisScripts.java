package dev.superquic.store.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Lua scripts of {@link RedisSessionStore}: each reads and changes the keys of one session
 * (one Cluster slot) atomically, and every one that changes a session checks the caller's
 * generation first. A session is the hash {@code sq:{id}:s} with fields {@code th} (token hash),
 * {@code owner} (empty while detached), {@code gen}, {@code keys} and {@code chars}; its state is
 * {@code sq:{id}:d} (key to value) and {@code sq:{id}:l} (key to its size in characters, counted
 * by Java as the limits are); {@code sq:{id}:x} is its tombstone, the token hash, kept a day
 * after its keys expired so that a late resume learns "expired". Its channels ({@link RedisChannels})
 * are {@code sq:{id}:c} (positions), {@code sq:{id}:m} (kept messages) and {@code sq:{id}:k} (how
 * many, kept as long as the tombstone so that an expiry can count what it dropped).
 */
final class RedisScripts {
    private static final String CREATE = """
            redis.call('HSET', KEYS[1], 'th', ARGV[1], 'owner', ARGV[2], 'gen', 1, 'keys', 0, 'chars', 0)
            return 1
            """;

    /**
     * → {'attached', gen, previous owner or ''}, {'expired'} (gone, but its tombstone holds this
     * token's hash) or {'unknown'}.
     */
    private static final String ATTACH = """
            local th = redis.call('HGET', KEYS[1], 'th')
            if not th then
              if redis.call('GET', KEYS[4]) == ARGV[1] then return {'expired'} end
              return {'unknown'}
            end
            if th ~= ARGV[1] then return {'unknown'} end
            redis.call('DEL', KEYS[4])
            local previous = redis.call('HGET', KEYS[1], 'owner')
            local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
            redis.call('HSET', KEYS[1], 'owner', ARGV[2])
            for i = 1, 3 do redis.call('PERSIST', KEYS[i]) end
            for i = 5, 7 do redis.call('PERSIST', KEYS[i]) end
            return {'attached', tostring(gen), previous}
            """;

    /**
     * → 1 when detached (the session's keys then expire after ARGV[2] ms, and a tombstone of its
     * token hash stays ARGV[3] ms); false for a stale generation or a detached or gone session.
     */
    private static final String DETACH = """
            local gen = redis.call('HGET', KEYS[1], 'gen')
            if not gen or tonumber(gen) ~= tonumber(ARGV[1]) then return false end
            if redis.call('HGET', KEYS[1], 'owner') == '' then return false end
            redis.call('HSET', KEYS[1], 'owner', '')
            for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
            for i = 5, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
            redis.call('PEXPIRE', KEYS[7], ARGV[3])
            redis.call('SET', KEYS[4], redis.call('HGET', KEYS[1], 'th'), 'PX', ARGV[3])
            return 1
            """;

    /** Gives state keys written while detached the session's remaining TTL. */
    static final String FOLLOW_TTL = """
            if redis.call('HGET', KEYS[1], 'owner') == '' then
              local left = redis.call('PTTL', KEYS[1])
              if left > 0 then
                redis.call('PEXPIRE', KEYS[2], left)
                redis.call('PEXPIRE', KEYS[3], left)
              end
            end
            """;

    /** → {'ok'}, {'keys'}, {'chars', total}, {'fenced'} or {'gone'}. */
    private static final String PUT = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
            if tonumber(redis.call('HGET', KEYS[1], 'gen')) ~= tonumber(ARGV[1]) then return {'fenced'} end
            local keys = tonumber(redis.call('HGET', KEYS[1], 'keys'))
            local chars = tonumber(redis.call('HGET', KEYS[1], 'chars'))
            local old = redis.call('HGET', KEYS[3], ARGV[2])
            if not old and keys >= tonumber(ARGV[5]) then return {'keys'} end
            if old then chars = chars - tonumber(old) else keys = keys + 1 end
            chars = chars + tonumber(ARGV[4])
            if chars > tonumber(ARGV[6]) then return {'chars', tostring(chars)} end
            redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
            redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
            redis.call('HSET', KEYS[1], 'keys', keys, 'chars', chars)
            """ + FOLLOW_TTL + """
            return {'ok'}
            """;

    /** → {'deleted'}, {'absent'}, {'fenced'} or {'gone'}. */
    private static final String DELETE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
            if tonumber(redis.call('HGET', KEYS[1], 'gen')) ~= tonumber(ARGV[1]) then return {'fenced'} end
            local old = redis.call('HGET', KEYS[3], ARGV[2])
            if not old then return {'absent'} end
            redis.call('HDEL', KEYS[2], ARGV[2])
            redis.call('HDEL', KEYS[3], ARGV[2])
            redis.call('HINCRBY', KEYS[1], 'keys', -1)
            redis.call('HINCRBY', KEYS[1], 'chars', -tonumber(old))
            return {'deleted'}
            """;

    /** → {'gone'} or {'ok', value} ({'ok'} when the key is absent). */
    private static final String GET = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
            local v = redis.call('HGET', KEYS[2], ARGV[1])
            if v then return {'ok', v} end
            return {'ok'}
            """;

    /** → {'gone'} or {'ok', key, value, key, value, ...}. */
    private static final String ENTRIES = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
            local all = redis.call('HGETALL', KEYS[2])
            table.insert(all, 1, 'ok')
            return all
            """;

    private final RedisClusterCommands<String, String> redis;
    private final Map<String, String> shas = new ConcurrentHashMap<>();

    RedisScripts(RedisClusterCommands<String, String> redis) {
        this.redis = redis;
    }

    /**
     * The session, its state, its entries' sizes, its tombstone, and its channels' positions,
     * messages and message count: one hash tag, one slot.
     */
    static String[] keys(String sessionId) {
        String tag = "sq:{" + sessionId + "}:";
        return new String[] {tag + "s", tag + "d", tag + "l", tag + "x", tag + "c", tag + "m", tag + "k"};
    }

    void create(String sessionId, String tokenHash, String owner) {
        run(CREATE, ScriptOutputType.INTEGER, keys(sessionId), tokenHash, owner);
    }

    List<Object> attach(String sessionId, String tokenHash, String owner) {
        return run(ATTACH, ScriptOutputType.MULTI, keys(sessionId), tokenHash, owner);
    }

    /** Whether it was detached. */
    boolean detach(String sessionId, long generation, long ttlMillis, long tombstoneMillis) {
        Object done = run(DETACH, ScriptOutputType.INTEGER, keys(sessionId), Long.toString(generation),
                Long.toString(ttlMillis), Long.toString(ttlMillis + tombstoneMillis));
        return done instanceof Long n && n == 1;
    }

    List<Object> put(String sessionId, long generation, String key, String value, long size, int maxKeys,
                     long maxChars) {
        return run(PUT, ScriptOutputType.MULTI, keys(sessionId), Long.toString(generation), key, value,
                Long.toString(size), Integer.toString(maxKeys), Long.toString(maxChars));
    }

    List<Object> delete(String sessionId, long generation, String key) {
        return run(DELETE, ScriptOutputType.MULTI, keys(sessionId), Long.toString(generation), key);
    }

    List<Object> get(String sessionId, String key) {
        return run(GET, ScriptOutputType.MULTI, keys(sessionId), key);
    }

    List<Object> entries(String sessionId) {
        return run(ENTRIES, ScriptOutputType.MULTI, keys(sessionId));
    }

    /** EVALSHA, loading the script on first use and again after Redis forgot it (a restart). */
    <T> T run(String script, ScriptOutputType type, String[] keys, String... args) {
        String sha = shas.computeIfAbsent(script, redis::scriptLoad);
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            shas.put(script, redis.scriptLoad(script));
            return redis.evalsha(shas.get(script), type, keys, args);
        }
    }

    /** The number a script returned second in its reply ({'chars', n}), which Lua gave as a string. */
    static long amount(java.util.List<?> reply) {
        return (long) Double.parseDouble(String.valueOf(reply.get(1)));
    }
}
