package dev.superquic.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Keeps the token in a file readable only by its owner (where the file system allows), written
 * atomically so a crash never leaves half a token. Channel positions go to a second file beside
 * it ({@code <file>.channels}, one line per channel: session id, channel, sequence), written the
 * same way; positions of another session than the latest saved are dropped.
 */
public final class FileTokenStore implements TokenStore {
    private final Path file;
    private final Path positionsFile;
    /** Positions by channel, of {@link #positionsSession}; guarded by {@code this}. */
    private final java.util.Map<String, Long> positions = new java.util.TreeMap<>();
    private String positionsSession;
    private boolean positionsLoaded;

    /** A store backed by {@code file}. */
    public FileTokenStore(Path file) {
        this.file = file.toAbsolutePath();
        this.positionsFile = this.file.resolveSibling(this.file.getFileName() + ".channels");
    }

    @Override
    public synchronized java.util.OptionalLong loadPosition(String sessionId, String channel) throws IOException {
        readPositions();
        Long p = sessionId.equals(positionsSession) ? positions.get(channel) : null;
        return p == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(p);
    }

    @Override
    public synchronized void savePosition(String sessionId, String channel, long sequence) throws IOException {
        readPositions();
        if (!sessionId.equals(positionsSession)) {
            positions.clear();
            positionsSession = sessionId;
        }
        positions.put(channel, sequence);
        StringBuilder text = new StringBuilder();
        positions.forEach((name, seq) -> text.append(sessionId).append(' ').append(name).append(' ').append(seq)
                .append('\n'));
        writeAtomically(positionsFile, text.toString());
    }

    private void readPositions() throws IOException {
        if (positionsLoaded) {
            return;
        }
        positionsLoaded = true;
        if (!Files.exists(positionsFile)) {
            return;
        }
        for (String line : Files.readAllLines(positionsFile, StandardCharsets.UTF_8)) {
            String[] parts = line.strip().split(" ");
            if (parts.length == 3 && parts[2].matches("[0-9]{1,18}")) {
                positionsSession = parts[0];
                positions.put(parts[1], Long.parseLong(parts[2]));
            }
        }
    }

    @Override
    public Optional<String> load() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    @Override
    public void save(String token) throws IOException {
        writeAtomically(file, token + "\n");
    }

    /** Writes {@code text} to a temporary file, then moves it over {@code target}: never half a file. */
    private static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system: keep the default permissions.
            }
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
