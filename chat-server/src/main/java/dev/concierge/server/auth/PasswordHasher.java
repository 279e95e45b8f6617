package dev.concierge.server.auth;

import dev.concierge.server.support.ServerException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.OptionalInt;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted, slow password hashes: PBKDF2-HMAC-SHA256 from the JDK (no extra dependency), stored
 * as {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}. Verification compares in constant time.
 */
public final class PasswordHasher {
    /**
     * Work factor: about 0.5 s per check on a 2-core machine; OWASP's 2023 advice is 600,000,
     * which made a console sign-in take 1.7 s here. Raise it with faster hardware.
     */
    public static final int DEFAULT_ITERATIONS = 210_000;

    private static final String PREFIX = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHasher() {}

    /** A salted PBKDF2 hash of {@code password}, in the stored form {@code pbkdf2-sha256$n$salt$hash}. */
    public static String hash(String password, int iterations) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] hash = derive(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** True if {@code password} matches the stored hash (constant-time compare). */
    public static boolean verify(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(password, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The PBKDF2 iteration count a hash was made with; empty for a hash in another format. */
    public static OptionalInt iterations(String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return OptionalInt.empty();
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            return iterations > 0 ? OptionalInt.of(iterations) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * A hash no password matches (random salt and random derived bytes), costing exactly
     * {@code iterations} rounds to check: what a sign-in with an unknown username is checked
     * against, so that it takes as long as one with a known username. Made without hashing.
     */
    public static String unmatchable(int iterations) {
        byte[] salt = new byte[16];
        byte[] hash = new byte[32];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * A short fingerprint of a stored hash (hex SHA-256 of it), kept with each agent session so
     * that a session ends when its agent's password hash changes. It reveals nothing a guesser
     * could use: finding the password from it is harder than from the PBKDF2 hash itself.
     */
    static String fingerprint(String stored) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(stored.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new ServerException("SHA-256 is not available", e);
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(spec)
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new ServerException("PBKDF2 is not available", e);
        }
    }
}
