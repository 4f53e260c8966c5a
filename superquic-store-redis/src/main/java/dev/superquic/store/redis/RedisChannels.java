package dev.superquic.store.redis;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.server.session.ChannelLog;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.StateLimitException;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The channels of {@link RedisSessionStore}'s sessions, in the session's slot: {@code sq:{id}:c}
 * holds each channel's positions ({@code name:d} delivered, {@code name:a} acknowledged,
 * {@code name:l} last) and what it keeps ({@code name:k} messages, {@code name:b} bytes);
 * {@code sq:{id}:m} holds the kept messages ({@code name:seq}, base64, as the connection speaks
 * strings); {@code sq:{id}:k} counts them all. Each call is one Lua script, so appends from any
 * node are numbered in one order. Keys written while the session is detached take its remaining
 * TTL, so they expire with it.
 */
final class RedisChannels implements ChannelLog {
    /**
     * Channel keys written while detached expire with the session (the count a tombstone's time
     * later); {@link RedisScripts#FOLLOW_TTL} does the same for state keys.
     */
    private static final String FOLLOW_TTL = """
            if redis.call('HGET', KEYS[1], 'owner') == '' then
              local left = redis.call('PTTL', KEYS[1])
              if left > 0 then
                redis.call('PEXPIRE', KEYS[5], left)
                redis.call('PEXPIRE', KEYS[6], left)
                redis.call('PEXPIRE', KEYS[7], left + tonumber(ARGV[1]))
              end
            end
            """;

    private static final String GONE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'gone'} end
            local n = ARGV[2]
            """;

    /** ARGV: tombstone ms, name, message (base64), its size, max messages, max bytes → {'ok', seq} or {'full', kept, bytes}. */
    private static final String APPEND = GONE + """
            local kept = tonumber(redis.call('HGET', KEYS[5], n .. ':k') or '0')
            local bytes = tonumber(redis.call('HGET', KEYS[5], n .. ':b') or '0')
            if kept >= tonumber(ARGV[5]) or bytes + tonumber(ARGV[4]) > tonumber(ARGV[6]) then
              return {'full', tostring(kept), tostring(bytes)}
            end
            local seq = redis.call('HINCRBY', KEYS[5], n .. ':l', 1)
            redis.call('HSET', KEYS[6], n .. ':' .. seq, ARGV[3])
            redis.call('HINCRBY', KEYS[5], n .. ':k', 1)
            redis.call('HINCRBY', KEYS[5], n .. ':b', tonumber(ARGV[4]))
            redis.call('INCR', KEYS[7])
            """ + FOLLOW_TTL + """
            return {'ok', tostring(seq)}
            """;

    /** ARGV: tombstone ms, name → {'ok', delivered, acknowledged, last}. */
    private static final String POSITION = GONE + """
            local p = redis.call('HMGET', KEYS[5], n .. ':d', n .. ':a', n .. ':l')
            return {'ok', p[1] or '0', p[2] or '0', p[3] or '0'}
            """;

    /** ARGV: tombstone ms, name, after, max → {'ok', seq, message, seq, message, ...}. */
    private static final String AFTER = GONE + """
            local a = tonumber(redis.call('HGET', KEYS[5], n .. ':a') or '0')
            local l = tonumber(redis.call('HGET', KEYS[5], n .. ':l') or '0')
            local from = math.max(tonumber(ARGV[3]), a) + 1
            local to = math.min(l, from + tonumber(ARGV[4]) - 1)
            local out = {'ok'}
            for i = from, to do
              table.insert(out, tostring(i))
              table.insert(out, redis.call('HGET', KEYS[6], n .. ':' .. i))
            end
            return out
            """;

    /** ARGV: tombstone ms, name, sequence → {'ok'}. Frees what the acknowledgement covers. */
    private static final String ACKNOWLEDGE = GONE + """
            local a = tonumber(redis.call('HGET', KEYS[5], n .. ':a') or '0')
            local upTo = math.min(tonumber(ARGV[3]), tonumber(redis.call('HGET', KEYS[5], n .. ':l') or '0'))
            if upTo <= a then return {'ok'} end
            local freed = 0
            for i = a + 1, upTo do
              local field = n .. ':' .. i
              local v = redis.call('HGET', KEYS[6], field)
              if v then
                local pad = 0
                if string.sub(v, -2) == '==' then pad = 2 elseif string.sub(v, -1) == '=' then pad = 1 end
                freed = freed + #v / 4 * 3 - pad
                redis.call('HDEL', KEYS[6], field)
              end
            end
            redis.call('HSET', KEYS[5], n .. ':a', upTo)
            redis.call('HINCRBY', KEYS[5], n .. ':k', a - upTo)
            redis.call('HINCRBY', KEYS[5], n .. ':b', -freed)
            redis.call('DECRBY', KEYS[7], upTo - a)
            return {'ok'}
            """;

    /**
     * ARGV: tombstone ms, name, sequence, generation ('-1': not fenced), max keys, max chars, max
     * messages, max bytes, the number of state changes, then per state change: key, 'p' (put) or
     * 'd' (delete), value, size; then per reply: the message (base64), its size → {'ok', last reply's sequence or 0},
     * {'fenced'}, {'full'}, {'keys', n} or {'chars', n}. All or nothing.
     */
    private static final String DELIVERED = GONE + """
            if ARGV[4] ~= '-1' and tonumber(redis.call('HGET', KEYS[1], 'gen')) ~= tonumber(ARGV[4]) then
              return {'fenced'}
            end
            local changesEnd = 10 + 4 * tonumber(ARGV[9]) - 1
            local replies, replyBytes = 0, 0
            for i = changesEnd + 1, #ARGV, 2 do replies = replies + 1; replyBytes = replyBytes + tonumber(ARGV[i + 1]) end
            if replies > 0 then
              local kept = tonumber(redis.call('HGET', KEYS[5], n .. ':k') or '0')
              local bytes = tonumber(redis.call('HGET', KEYS[5], n .. ':b') or '0')
              if kept + replies > tonumber(ARGV[7]) or bytes + replyBytes > tonumber(ARGV[8]) then return {'full'} end
            end
            local keys = tonumber(redis.call('HGET', KEYS[1], 'keys'))
            local chars = tonumber(redis.call('HGET', KEYS[1], 'chars'))
            for i = 10, changesEnd, 4 do
              local old = redis.call('HGET', KEYS[3], ARGV[i])
              if old then keys = keys - 1; chars = chars - tonumber(old) end
              if ARGV[i + 1] == 'p' then keys = keys + 1; chars = chars + tonumber(ARGV[i + 3]) end
            end
            if keys > tonumber(ARGV[5]) then return {'keys', tostring(keys)} end
            if chars > tonumber(ARGV[6]) then return {'chars', tostring(chars)} end
            for i = 10, changesEnd, 4 do
              if ARGV[i + 1] == 'p' then
                redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
                redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 3])
              else
                redis.call('HDEL', KEYS[2], ARGV[i])
                redis.call('HDEL', KEYS[3], ARGV[i])
              end
            end
            redis.call('HSET', KEYS[1], 'keys', keys, 'chars', chars)
            local lastReply = 0
            for i = changesEnd + 1, #ARGV, 2 do
              lastReply = redis.call('HINCRBY', KEYS[5], n .. ':l', 1)
              redis.call('HSET', KEYS[6], n .. ':' .. lastReply, ARGV[i])
            end
            if replies > 0 then
              redis.call('HINCRBY', KEYS[5], n .. ':k', replies)
              redis.call('HINCRBY', KEYS[5], n .. ':b', replyBytes)
              redis.call('INCRBY', KEYS[7], replies)
            end
            if tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[5], n .. ':d') or '0') then
              redis.call('HSET', KEYS[5], n .. ':d', ARGV[3])
            end
            """ + RedisScripts.FOLLOW_TTL + FOLLOW_TTL + """
            return {'ok', tostring(lastReply)}
            """;

    /** Bounds for a commit without replies: never reached. */
    private static final ChannelLimits NO_REPLIES = new ChannelLimits(1, 1);
    private final RedisScripts scripts;
    private final String tombstoneMillis;
    private final int maxKeys;
    private final long maxChars;
    private final List<LongConsumer> expiryListeners = new CopyOnWriteArrayList<>();
    private final java.util.function.Function<Supplier<Object>, Object> call;

    RedisChannels(RedisScripts scripts, long tombstoneMillis, int maxKeys, long maxChars,
                  java.util.function.Function<Supplier<Object>, Object> call) {
        this.scripts = scripts;
        this.tombstoneMillis = Long.toString(tombstoneMillis);
        this.maxKeys = maxKeys;
        this.maxChars = maxChars;
        this.call = call;
    }

    @Override
    public ChannelPosition position(String sessionId, String channel) {
        List<Object> r = run(POSITION, sessionId, channel);
        return new ChannelPosition(number(r, 1), number(r, 2), number(r, 3));
    }

    @Override
    public long append(String sessionId, String channel, byte[] message, ChannelLimits limits)
            throws ChannelFullException {
        List<Object> r = run(APPEND, sessionId, channel, Base64.getEncoder().encodeToString(message),
                Integer.toString(message.length), Integer.toString(limits.maxMessages()), Long.toString(limits.maxBytes()));
        if ("full".equals(r.get(0))) {
            throw new ChannelFullException("channel '" + channel + "' of session " + sessionId + " holds " + r.get(1)
                    + " unacknowledged messages (" + r.get(2) + " bytes); its bound is " + limits.maxMessages()
                    + " messages, " + limits.maxBytes() + " bytes");
        }
        return number(r, 1);
    }

    @Override
    public List<ChannelMessage> after(String sessionId, String channel, long sequence, int max) {
        List<Object> r = run(AFTER, sessionId, channel, Long.toString(sequence), Integer.toString(max));
        List<ChannelMessage> out = new ArrayList<>((r.size() - 1) / 2);
        for (int i = 1; i + 1 < r.size(); i += 2) {
            out.add(new ChannelMessage(Long.parseLong((String) r.get(i)), Base64.getDecoder().decode((String) r.get(i + 1))));
        }
        return out;
    }

    @Override
    public void acknowledge(String sessionId, String channel, long sequence) {
        run(ACKNOWLEDGE, sessionId, channel, Long.toString(sequence));
    }

    @Override
    public long delivered(String sessionId, long generation, String channel, Commit commit, ChannelLimits limits)
            throws ChannelFullException {
        List<String> args = new ArrayList<>(List.of(Long.toString(commit.sequence()), Long.toString(generation),
                Integer.toString(maxKeys), Long.toString(maxChars), Integer.toString(limits.maxMessages()),
                Long.toString(limits.maxBytes()), Integer.toString(commit.stateChanges().size())));
        commit.stateChanges().forEach((key, value) -> {
            args.add(key);
            args.add(value == null ? "d" : "p");
            args.add(value == null ? "" : value);
            args.add(Integer.toString(value == null ? 0 : key.length() + value.length()));
        });
        for (byte[] reply : commit.replies()) {
            args.add(Base64.getEncoder().encodeToString(reply));
            args.add(Integer.toString(reply.length));
        }
        List<Object> r = run(DELIVERED, sessionId, channel, args.toArray(String[]::new));
        switch ((String) r.get(0)) {
            case "ok" -> {
                return number(r, 1);
            }
            case "fenced" -> throw new SessionFencedException(sessionId, generation);
            case "full" -> throw new ChannelFullException("channel '" + channel + "' of session " + sessionId
                    + " has no room for " + commit.replies().size() + " more messages within its bound of "
                    + limits.maxMessages() + " unacknowledged messages, " + limits.maxBytes() + " bytes");
            case "keys" -> throw StateLimitException.overKeys(RedisScripts.amount(r), maxKeys);
            default -> throw StateLimitException.overChars(RedisScripts.amount(r), maxChars);
        }
    }

    @Override
    public void advanceDelivered(String sessionId, String channel, long sequence) {
        try {
            delivered(sessionId, -1, channel, new Commit(sequence, Map.of(), List.of()), NO_REPLIES);
        } catch (ChannelFullException e) {
            throw new IllegalStateException("no replies, so never full", e);
        }
    }

    @Override
    public void onMessagesExpired(LongConsumer listener) {
        expiryListeners.add(listener);
    }

    /** A session expired with {@code count} messages kept. */
    void messagesExpired(long count) {
        if (count > 0) {
            expiryListeners.forEach(l -> l.accept(count));
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> run(String script, String sessionId, String channel, String... more) {
        String[] args = new String[2 + more.length];
        args[0] = tombstoneMillis;
        args[1] = channel;
        System.arraycopy(more, 0, args, 2, more.length);
        List<Object> r = (List<Object>) call.apply(() -> scripts.run(script, ScriptOutputType.MULTI,
                RedisScripts.keys(sessionId), args));
        if ("gone".equals(r.get(0))) {
            throw new SessionGoneException(sessionId);
        }
        return r;
    }

    private static long number(List<Object> r, int index) {
        return Long.parseLong((String) r.get(index));
    }
}
