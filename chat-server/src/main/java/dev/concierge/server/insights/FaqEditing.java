package dev.concierge.server.insights;

import dev.concierge.bot.KnowledgeBase;
import dev.concierge.bot.KnowledgeBaseEditor;
import dev.concierge.server.routing.BotService;
import dev.concierge.server.support.FileEdits;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Closes the loop from the unanswered questions into the FAQ: writes the knowledge base file
 * (atomically, validated) and reloads the bot at once, so the next visitor who asks gets the new
 * answer. Edits are serialised so two FAQ owners never overwrite each other's change; in a cluster
 * they go through {@link FileEdits}, which makes them on the cluster's latest version and shares
 * them with every node.
 */
public final class FaqEditing {
    private final Path file;
    private final BotService bot;
    private final FileEdits edits;

    /** Edits of {@code file}, the knowledge base {@code bot} answers from, made through {@code edits}. */
    public FaqEditing(Path file, BotService bot, FileEdits edits) {
        this.file = Objects.requireNonNull(file, "file");
        this.bot = Objects.requireNonNull(bot, "bot");
        this.edits = Objects.requireNonNull(edits, "edits");
    }

    /** The knowledge base the bot answers from now. */
    KnowledgeBase knowledgeBase() {
        return bot.bot().knowledgeBase();
    }

    /** The file the edits go to. */
    Path file() {
        return file;
    }

    /** Adds a new entry and reloads the bot. */
    synchronized KnowledgeBase createEntry(String id, List<String> questions, String answer, List<String> tags) {
        return edits.edit(() -> {
            KnowledgeBase kb = KnowledgeBaseEditor.open(file)
                    .addEntry(id, questions, answer, tags)
                    .save();
            bot.bot().reload();
            return kb;
        });
    }

    /** Adds phrasings to an existing entry and reloads the bot; returns how many were new. */
    synchronized int addQuestions(String id, List<String> questions) {
        return edits.edit(() -> {
            KnowledgeBaseEditor editor = KnowledgeBaseEditor.open(file);
            int added = editor.addQuestions(id, questions);
            if (added > 0) {
                editor.save();
                bot.bot().reload();
            }
            return added;
        });
    }
}
