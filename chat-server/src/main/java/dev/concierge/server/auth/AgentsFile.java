package dev.concierge.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.protocol.CannedReply;
import dev.concierge.server.support.Patterns;
import dev.concierge.server.support.ServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and writes the agents file (the team):
 * <pre>{@code
 * {"departments": ["billing", "orders"],
 *  "cannedReplies": [{"shortcut": "refund", "text": "Refunds take 3 to 5 working days."}],
 *  "agents": [{"id": "dana", "name": "Dana", "username": "dana",
 *              "passwordHash": "pbkdf2-sha256$…", "departments": ["orders"], "roles": ["admin"]}]}
 * }</pre>
 * {@code roles} (optional): {@code admin} or {@code supervisor}, who may edit the FAQ; an agent
 * without a role chats only.
 * Hashes come from {@code concierge hash-password}; plain passwords are refused so none sits in a
 * file. {@code departments} at the top may be omitted (the agents' departments are used). Errors
 * name the file, the entry and the field.
 */
public final class AgentsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentsFile() {}

    /** The team read from a file. */
    public record Team(List<AgentAccount> agents, List<String> departments, List<CannedReply> cannedReplies) {
        public Team {
            agents = List.copyOf(agents);
            departments = List.copyOf(departments);
            cannedReplies = List.copyOf(cannedReplies);
        }
    }

    /** The agents only (for callers that need no more). */
    public static List<AgentAccount> read(Path file) {
        return readTeam(file).agents();
    }

    /** The whole team file: agents, departments and canned replies; a bad file names the field. */
    public static Team readTeam(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ServerException(file + ": cannot read agents file: " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("agents");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ServerException(file + ": \"agents\" must be a non-empty array");
        }
        Set<String> departments = new LinkedHashSet<>(names(root.get("departments"), file + ": departments"));
        boolean declared = root.has("departments");
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
            List<String> own = names(a.get("departments"), where + ".departments");
            for (String d : own) {
                if (declared && !departments.contains(d)) {
                    throw new ServerException(
                            where + ".departments: unknown department " + d + " (declared: " + departments + ")");
                }
            }
            if (!declared) {
                departments.addAll(own);
            }
            Optional<String> email = email(a, where);
            List<String> alerts = alerts(a.get("emailAlerts"), where + ".emailAlerts");
            if (!alerts.isEmpty() && email.isEmpty()) {
                throw new ServerException(where + ".emailAlerts: needs an email to send them to");
            }
            List<String> roles = roles(a.get("roles"), where + ".roles");
            if (alerts.contains(AgentAccount.WEBHOOK_PAUSED) && !roles.contains(AgentAccount.ADMIN)) {
                throw new ServerException(where + "." + AgentAccount.ADMIN_ONLY);
            }
            AgentAccount account = new AgentAccount(
                    id, text(a, "name", where), text(a, "username", where), hash, own, roles, email, alerts);
            if (!ids.add(account.id())) {
                throw new ServerException(where + ".id: duplicate id " + account.id());
            }
            if (!usernames.add(account.username())) {
                throw new ServerException(where + ".username: duplicate username " + account.username());
            }
            out.add(account);
        }
        List<CannedReply> canned = new ArrayList<>();
        JsonNode replies = root.get("cannedReplies");
        if (replies != null) {
            if (!replies.isArray()) {
                throw new ServerException(file + ": cannedReplies must be an array");
            }
            Set<String> shortcuts = new HashSet<>();
            for (int i = 0; i < replies.size(); i++) {
                String where = file + ": cannedReplies[" + i + "]";
                String shortcut = text(replies.get(i), "shortcut", where);
                // Patterns.NAME's characters but half its length, not NAME itself: agents type a
                // shortcut after "/" in the console's composer, so it is kept short.
                if (!shortcut.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
                    throw new ServerException(
                            where + ".shortcut: use 1-32 lower-case letters, digits, - or _ (typed as /" + "shortcut)");
                }
                if (!shortcuts.add(shortcut)) {
                    throw new ServerException(where + ".shortcut: duplicate shortcut " + shortcut);
                }
                canned.add(new CannedReply(shortcut, text(replies.get(i), "text", where)));
            }
        }
        return new Team(out, List.copyOf(departments), canned);
    }

    /** Writes the team atomically (temp file, then move), e.g. after the admin API added an agent. */
    public static void write(Path file, Team team) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode depts = root.putArray("departments");
        team.departments().forEach(depts::add);
        ArrayNode canned = root.putArray("cannedReplies");
        team.cannedReplies()
                .forEach(c -> canned.addObject().put("shortcut", c.shortcut()).put("text", c.text()));
        ArrayNode agents = root.putArray("agents");
        for (AgentAccount a : team.agents()) {
            ObjectNode n = agents.addObject()
                    .put("id", a.id())
                    .put("name", a.name())
                    .put("username", a.username())
                    .put("passwordHash", a.passwordHash());
            ArrayNode d = n.putArray("departments");
            a.departments().forEach(d::add);
            if (!a.roles().isEmpty()) {
                ArrayNode r = n.putArray("roles");
                a.roles().forEach(r::add);
            }
            a.email().ifPresent(e -> n.put("email", e));
            if (!a.emailAlerts().isEmpty()) {
                ArrayNode r = n.putArray("emailAlerts");
                a.emailAlerts().forEach(r::add);
            }
        }
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".agents", ".json");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ServerException(file + ": cannot write agents file: " + e.getMessage(), e);
        }
    }

    private static List<String> names(JsonNode node, String where) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ServerException(where + ": must be an array of names");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual() || !Patterns.NAME.matcher(n.asText()).matches()) {
                throw new ServerException(
                        where + ": department names are 1-64 lower-case letters, digits, - or _, was " + n);
            }
            out.add(n.asText());
        }
        return out;
    }

    private static List<String> roles(JsonNode node, String where) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ServerException(where + ": must be an array of roles " + AgentAccount.ROLES);
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode n : node) {
            if (!n.isTextual() || !AgentAccount.ROLES.contains(n.asText())) {
                throw new ServerException(where + ": roles are " + AgentAccount.ROLES + ", was " + n);
            }
            out.add(n.asText());
        }
        return List.copyOf(out);
    }

    private static Optional<String> email(JsonNode node, String where) {
        JsonNode v = node.get("email");
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new ServerException(where + ".email: must be an email address");
        }
        try {
            dev.concierge.protocol.wire.Checks.email("email", v.asText());
        } catch (IllegalArgumentException e) {
            throw new ServerException(where + ".email: must be an email address (local@domain.tld), was "
                    + dev.concierge.server.support.LogSafe.text(v.asText()));
        }
        return Optional.of(v.asText());
    }

    private static List<String> alerts(JsonNode node, String where) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ServerException(where + ": must be an array of " + AgentAccount.ALERTS);
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode n : node) {
            if (!n.isTextual() || !AgentAccount.ALERTS.contains(n.asText())) {
                throw new ServerException(where + ": email alerts are " + AgentAccount.ALERTS + ", was " + n);
            }
            out.add(n.asText());
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ServerException(where + "." + field + ": required text");
        }
        return v.asText();
    }
}
