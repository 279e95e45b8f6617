package dev.concierge.bot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Edits a knowledge base file (format in docs/faq.md) the way an FAQ owner would: adds an entry,
 * or adds phrasings to an existing entry. Edits the JSON tree, so everything else in the file
 * (the description, other entries, field order) stays as it was. {@link #save()} validates the
 * result exactly as {@link FaqBot} will read it and replaces the file atomically, so the file on
 * disk is always a valid knowledge base. Not thread-safe: one editor per edit.
 *
 * <pre>{@code
 * KnowledgeBaseEditor.open(faqFile)
 *         .addQuestions("returns", List.of("Can I send it back?"))
 *         .save();
 * bot.reload();
 * }</pre>
 */
public final class KnowledgeBaseEditor {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode root;

    private KnowledgeBaseEditor(Path file, ObjectNode root) {
        this.file = file;
        this.root = root;
    }

    /**
     * Reads a knowledge base file for editing.
     *
     * @param file the knowledge base file
     * @return an editor over its current content
     * @throws BotException when the file is unreadable or not a valid knowledge base
     */
    public static KnowledgeBaseEditor open(Path file) {
        Objects.requireNonNull(file, "file");
        KnowledgeBaseFile.read(file); // fails with the file, entry and field when invalid
        try {
            return new KnowledgeBaseEditor(file, (ObjectNode) JSON.readTree(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new BotException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Adds a new entry at the end.
     *
     * @param id the new entry's id, unused so far
     * @param questions its phrasings, at least one
     * @param answer its answer text
     * @param tags its tags (by convention the department), may be empty
     * @return this editor
     * @throws BotException when the id is taken or an argument is empty
     */
    public KnowledgeBaseEditor addEntry(String id, List<String> questions, String answer, List<String> tags) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(answer, "answer");
        List<String> phrasings = clean(questions);
        if (id.isBlank() || answer.isBlank() || phrasings.isEmpty()) {
            throw new BotException("a new entry needs an id, an answer and at least one question");
        }
        if (entryNode(id) != null) {
            throw new BotException("an entry with id '" + id + "' exists already");
        }
        ObjectNode entry = entries().addObject();
        entry.put("id", id);
        ArrayNode qs = entry.putArray("questions");
        phrasings.forEach(qs::add);
        entry.put("answer", answer.trim());
        List<String> cleanTags = clean(tags == null ? List.of() : tags);
        if (!cleanTags.isEmpty()) {
            ArrayNode t = entry.putArray("tags");
            cleanTags.forEach(t::add);
        }
        return this;
    }

    /**
     * Adds phrasings to an existing entry; those it has already (ignoring case) are skipped.
     *
     * @param id the entry's id
     * @param questions the new phrasings
     * @return how many phrasings were added
     * @throws BotException when there is no such entry
     */
    public int addQuestions(String id, List<String> questions) {
        Objects.requireNonNull(id, "id");
        ObjectNode entry = entryNode(id);
        if (entry == null) {
            throw new BotException("no entry with id '" + id + "'");
        }
        JsonNode existing = entry.get("questions");
        ArrayNode qs = existing instanceof ArrayNode a ? a : entry.putArray("questions");
        Set<String> known = new HashSet<>();
        qs.forEach(q -> known.add(q.asText().trim().toLowerCase(Locale.ROOT)));
        int added = 0;
        for (String q : clean(questions)) {
            if (known.add(q.toLowerCase(Locale.ROOT))) {
                qs.add(q);
                added++;
            }
        }
        return added;
    }

    /**
     * Validates the edited knowledge base and replaces the file with it atomically (written
     * next to it, then moved over it).
     *
     * @return the knowledge base now in the file
     * @throws BotException when the result is invalid (the file is then left unchanged) or
     *                      cannot be written
     */
    public KnowledgeBase save() {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            Files.write(temp, JSON.writeValueAsBytes(root));
            KnowledgeBase kb = KnowledgeBaseFile.read(temp);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return kb;
        } catch (IOException e) {
            throw new BotException(file + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless
                }
            }
        }
    }

    private ArrayNode entries() {
        JsonNode e = root.get("entries");
        return e instanceof ArrayNode a ? a : root.putArray("entries");
    }

    private ObjectNode entryNode(String id) {
        for (JsonNode e : entries()) {
            if (e instanceof ObjectNode o && id.equals(o.path("id").asText(null))) {
                return o;
            }
        }
        return null;
    }

    private static List<String> clean(List<String> items) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String s : Objects.requireNonNull(items, "questions")) {
            if (s != null && !s.isBlank() && seen.add(s.trim().toLowerCase(Locale.ROOT))) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
