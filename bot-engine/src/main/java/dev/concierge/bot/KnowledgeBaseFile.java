package dev.concierge.bot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a knowledge base from a JSON file (format in docs/faq.md). Walks the JSON tree by hand
 * rather than binding it, so that every error can say which file, which entry and which field.
 */
final class KnowledgeBaseFile {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_FIELDS = Set.of("language", "entries", "description");
    private static final Set<String> ENTRY_FIELDS =
            Set.of("id", "questions", "keywords", "phrases", "answer", "tags", "language", "followUps");

    private KnowledgeBaseFile() {}

    /**
     * Reads and validates a knowledge base file.
     *
     * @throws BotException naming the file, the entry and the field when the file is unreadable
     *                      or invalid
     */
    static KnowledgeBase read(Path file) {
        String source = file.toString();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new BotException(source + ": file not found");
        } catch (JsonProcessingException e) {
            throw new BotException(
                    source + ": not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new BotException(source + ": cannot read: " + e.getMessage(), e);
        }
        KnowledgeBase kb = parse(root, source);
        KnowledgeBaseValidator.validate(kb, source);
        return kb;
    }

    private static KnowledgeBase parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new BotException(source + ": the top level must be a JSON object with \"language\" and \"entries\"");
        }
        checkFields(root, TOP_FIELDS, source + ":");
        String language = text(root, "language", source + ":", true);
        JsonNode entries = root.get("entries");
        if (entries == null || !entries.isArray()) {
            throw new BotException(source + ": field 'entries' must be an array of entries");
        }
        List<FaqEntry> list = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            list.add(entry(entries.get(i), source, i));
        }
        return new KnowledgeBase(language, list);
    }

    private static FaqEntry entry(JsonNode node, String source, int index) {
        String where = source + ": entry #" + (index + 1);
        if (!node.isObject()) {
            throw new BotException(where + ": must be a JSON object");
        }
        JsonNode idNode = node.get("id");
        if (idNode != null && idNode.isTextual() && !idNode.asText().isBlank()) {
            where += " (id '" + idNode.asText() + "')";
        }
        where += ":";
        checkFields(node, ENTRY_FIELDS, where);
        return new FaqEntry(
                text(node, "id", where, false),
                strings(node, "questions", where),
                strings(node, "keywords", where),
                strings(node, "phrases", where),
                text(node, "answer", where, false),
                strings(node, "tags", where),
                text(node, "language", where, false),
                strings(node, "followUps", where));
    }

    private static void checkFields(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw new BotException(where + " unknown field '" + name + "' (expected one of "
                        + known.stream().sorted().toList() + ")");
            }
        }
    }

    private static String text(JsonNode node, String field, String where, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BotException(where + " field '" + field + "' is missing");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new BotException(where + " field '" + field + "' must be a string");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new BotException(where + " field '" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual()) {
                throw new BotException(where + " field '" + field + "' item #" + (i + 1) + " must be a string");
            }
            out.add(item.asText());
        }
        return out;
    }
}
