package dev.superquic.cli;

import dev.superquic.json.JsonFrames;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.client.ClientSession;
import dev.superquic.client.FileTokenStore;
import dev.superquic.client.SessionEvent;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code superquic kv}: the session's key/value state. With {@code --session-file} the session
 * outlives the process: the next run resumes it.
 */
@Command(name = "kv", mixinStandardHelpOptions = true,
        description = {"Read and write the session's key/value state.",
            "With --session-file the session is resumed by later runs (exit code 1: key not found)."},
        subcommands = {KvCommand.Put.class, KvCommand.Get.class, KvCommand.Del.class, KvCommand.ListKeys.class})
final class KvCommand {
    @Mixin
    ClientOptions client;

    @Option(names = "--session-file", paramLabel = "FILE", description = "Keeps the resume token between runs.")
    Path sessionFile;

    /** Runs one request on a kv stream and returns the reply, telling stderr if the session was not resumed. */
    JsonNode request(CommandSpec spec, ObjectNode request) throws IOException {
        var config = client.toConfig();
        if (sessionFile != null) {
            config.tokenStore(new FileTokenStore(sessionFile));
        }
        boolean hadToken = sessionFile != null && new FileTokenStore(sessionFile).load().isPresent();
        try (SuperQuicClient c = new SuperQuicClient(config.build());
             ClientSession session = c.connect();
             DuplexStream kv = session.openStream("kv")) {
            SessionEvent e = session.lastEvent();
            if (hadToken && !e.resumed()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("superquic: previous session could not be resumed (" + e.reason().wireName()
                        + "); using new session " + e.sessionId());
                err.flush();
            }
            kv.writeFrame(JsonFrames.encode(request));
            kv.finishOutput();
            byte[] reply = kv.readFrame();
            if (reply == null) {
                throw new IOException("server closed the kv stream without a reply");
            }
            ObjectNode node = JsonFrames.parseObject(reply);
            JsonFrames.throwIfError(node);
            return node;
        }
    }

    static ObjectNode op(String op) {
        return JsonFrames.mapper().createObjectNode().put("op", op);
    }

    /** Says on stderr that the key is missing and returns exit code 1. */
    static int notFound(CommandSpec spec, String key) {
        spec.commandLine().getErr().println("superquic: key '" + key + "' not found");
        spec.commandLine().getErr().flush();
        return Main.FAILED;
    }

    /** {@code kv put K V}. */
    @Command(name = "put", mixinStandardHelpOptions = true, description = "Set KEY to VALUE.")
    static final class Put implements Callable<Integer> {
        @ParentCommand KvCommand kv;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "KEY") String key;
        @Parameters(index = "1", paramLabel = "VALUE") String value;

        @Override
        public Integer call() throws Exception {
            kv.request(spec, op("put").put("key", key).put("value", value));
            return 0;
        }
    }

    /** {@code kv get K}. */
    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print the value of KEY (exit 1 if missing).")
    static final class Get implements Callable<Integer> {
        @ParentCommand KvCommand kv;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "KEY") String key;

        @Override
        public Integer call() throws Exception {
            JsonNode reply = kv.request(spec, op("get").put("key", key));
            if (!reply.path("found").asBoolean()) {
                return notFound(spec, key);
            }
            spec.commandLine().getOut().println(reply.path("value").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code kv del K}. */
    @Command(name = "del", mixinStandardHelpOptions = true, description = "Delete KEY (exit 1 if it did not exist).")
    static final class Del implements Callable<Integer> {
        @ParentCommand KvCommand kv;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "KEY") String key;

        @Override
        public Integer call() throws Exception {
            JsonNode reply = kv.request(spec, op("delete").put("key", key));
            return reply.path("existed").asBoolean() ? 0 : notFound(spec, key);
        }
    }

    /** {@code kv list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print every KEY=VALUE, sorted by key.")
    static final class ListKeys implements Callable<Integer> {
        @ParentCommand KvCommand kv;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode reply = kv.request(spec, op("list"));
            PrintWriter out = spec.commandLine().getOut();
            for (Iterator<Map.Entry<String, JsonNode>> it = reply.path("entries").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                out.println(e.getKey() + "=" + e.getValue().asText());
            }
            out.flush();
            return 0;
        }
    }
}
