package dev.concierge.client;

import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import java.util.List;
import java.util.Objects;

/**
 * What {@link VisitorClient#ask(String)} completes with: the bot's reply to the question, the
 * handoff to a person that came instead, or word that a person (not the bot) will answer.
 * Answers are paired with their question by {@code seq} (the bot event's {@code bot.replyTo}),
 * never by arrival order, so many questions may be outstanding at once.
 *
 * <pre>{@code
 * Answer answer = client.ask("Where is my order?").join();
 * if (answer instanceof Answer.BotReply reply) {
 *     System.out.println(reply.text());
 * } else if (answer instanceof Answer.Handoff) {
 *     System.out.println("A person will answer.");
 * } else {
 *     System.out.println("Your agent will answer."); // Answer.ForAgent
 * }
 * }</pre>
 * (On Java 21, a {@code switch} over the three records does the same.)
 */
public sealed interface Answer permits Answer.BotReply, Answer.Handoff, Answer.ForAgent {

    /**
     * The visitor's message as stored.
     *
     * @return the message event, with its {@code seq} and text
     */
    TranscriptEvent question();

    /**
     * The bot answered the question.
     *
     * @param question the visitor's stored message
     * @param reply the bot's event, whose {@code bot().replyTo()} is the question's {@code seq}
     */
    record BotReply(TranscriptEvent question, TranscriptEvent reply) implements Answer {
        /**
         * Checks the fields.
         *
         * @param question the visitor's stored message
         * @param reply the bot's event that replies to it
         * @throws NullPointerException when either is null
         */
        public BotReply {
            Objects.requireNonNull(question, "question");
            Objects.requireNonNull(reply, "reply");
        }

        /**
         * The bot's text.
         *
         * @return the reply event's text
         */
        public String text() {
            return reply.text();
        }

        /**
         * Whether the bot answered from an FAQ entry.
         *
         * @return true when it did; false when it was not sure
         */
        public boolean answered() {
            return reply.bot() != null && reply.bot().answered();
        }

        /**
         * The "did you mean" entries the bot offered when it was not sure; pass one to
         * {@link VisitorClient#choose}.
         *
         * @return up to three suggestions, empty when the bot offered none
         */
        public List<Suggestion> suggestions() {
            return reply.bot() == null ? List.of() : reply.bot().suggestions();
        }

        /**
         * Whether the bot offered a person ({@link VisitorClient#requestHuman()}).
         *
         * @return true when it did
         */
        public boolean humanOffered() {
            return reply.bot() != null && reply.bot().humanOffered();
        }
    }

    /**
     * The conversation went to a person before the bot answered: a person will answer through
     * {@link VisitorListener#onEvent}.
     *
     * @param question the visitor's stored message
     * @param event the first {@code handoff}, {@code queued} or {@code assigned} event after it
     */
    record Handoff(TranscriptEvent question, TranscriptEvent event) implements Answer {
        /**
         * Checks the fields.
         *
         * @param question the visitor's stored message
         * @param event the {@code handoff}, {@code queued} or {@code assigned} event after it
         * @throws NullPointerException when either is null
         */
        public Handoff {
            Objects.requireNonNull(question, "question");
            Objects.requireNonNull(event, "event");
        }
    }

    /**
     * The conversation already was with a person, or waiting for one, when the question was
     * stored: the bot stays quiet and nobody answers at once; the person's reply arrives later
     * through {@link VisitorListener#onEvent}.
     *
     * @param question the visitor's stored message
     */
    record ForAgent(TranscriptEvent question) implements Answer {
        /**
         * Checks the field.
         *
         * @param question the visitor's stored message
         * @throws NullPointerException when it is null
         */
        public ForAgent {
            Objects.requireNonNull(question, "question");
        }
    }
}
