package dev.concierge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the agents file: {@code {"agents":[{"id":"dana","name":"Dana","username":"dana",
 * "passwordHash":"pbkdf2-sha256$…"}]}}. Hashes come from {@code concierge hash-password}; plain
 * passwords are refused so none sits in a file. Errors name the file, the entry and the field.
 */
final class AgentsFile {
    private AgentsFile() {}

    static List<AgentAccount> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ServerException(file + ": cannot read agents file: " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("agents");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ServerException(file + ": \"agents\" must be a non-empty array");
        }
        List<AgentAccount> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> usernames = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode a = list.get(i);
            String where = file + ": agents[" + i + "]";
            if (a.has("password")) {
                throw new ServerException(where + ".password: plain passwords are not accepted; "
                        + "use passwordHash from `concierge hash-password`");
            }
            String id = text(a, "id", where);
            String hash = text(a, "passwordHash", where);
            if (!hash.startsWith("pbkdf2-sha256$")) {
                throw new ServerException(where + ".passwordHash: not a hash from `concierge hash-password`");
            }
            AgentAccount account = new AgentAccount(id, text(a, "name", where), text(a, "username", where), hash);
            if (!ids.add(account.id())) {
                throw new ServerException(where + ".id: duplicate id " + account.id());
            }
            if (!usernames.add(account.username())) {
                throw new ServerException(where + ".username: duplicate username " + account.username());
            }
            out.add(account);
        }
        return out;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ServerException(where + "." + field + ": required text");
        }
        return v.asText();
    }
}
