package dev.superquic.server.internal.transport;

import dev.superquic.server.ServerConfig.InvalidSettingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret that stateless reset tokens derive from ({@link StatelessResets}): 32 random bytes,
 * kept as 64 hex digits in a file readable by its owner only, so that it survives restarts and can
 * be copied to every node of a service.
 */
public final class ResetSecret {
    static final int BYTES = 32;
    private static final String SETTING = "reset-secret";

    private ResetSecret() {
    }

    /** A random secret for this process only (no file configured). */
    public static byte[] ephemeral() {
        byte[] secret = new byte[BYTES];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /**
     * Reads the secret from {@code file}, creating the file with a new secret if it does not
     * exist.
     *
     * @throws InvalidSettingException naming the file, if it cannot be read, written or parsed
     */
    public static byte[] loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!text.matches("[0-9a-fA-F]{" + 2 * BYTES + "}")) {
                throw new InvalidSettingException(SETTING, "must hold " + 2 * BYTES
                        + " hex digits (delete it to have a new one made)", file);
            }
            return HexFormat.of().parseHex(text);
        } catch (IOException e) {
            throw new InvalidSettingException(SETTING, "cannot be read or created: " + e, file);
        }
    }

    private static void create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".reset-secret", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the directory's permissions protect it.
            }
            Files.writeString(temp, HexFormat.of().formatHex(ephemeral()) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // Another server made it first: use theirs.
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
