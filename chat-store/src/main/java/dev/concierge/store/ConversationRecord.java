package dev.concierge.store;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A conversation's stored metadata; nullable fields are null until they apply.
 *
 * @param id the conversation id
 * @param visitorId the visitor who started it
 * @param state its state in the router's state machine
 * @param agentId the owning agent, or null
 * @param startedAt when it started
 * @param firstLine the visitor's first message, for lists of earlier conversations, or null
 * @param score the visitor's rating, or null
 * @param queuedAt when it entered the queue, or null
 * @param assignedAt when an agent got it, or null
 * @param handoffReason why it went to a human, or null
 * @param department the team it is routed to, or null for anyone
 * @param givenEmails the email addresses the visitor gave in this conversation, oldest first (at
 *     most {@link #MAX_GIVEN_EMAILS}); mail to the visitor goes only to one of these or to an
 *     address the site vouched for
 * @param site the key of the site the conversation was started from, fixed at its start; null
 *     for a conversation stored before sites were kept with conversations
 */
public record ConversationRecord(
        String id,
        String visitorId,
        ConversationState state,
        String agentId,
        Instant startedAt,
        String firstLine,
        Integer score,
        Instant queuedAt,
        Instant assignedAt,
        HandoffReason handoffReason,
        String department,
        List<String> givenEmails,
        String site) {
    /** How many given addresses a conversation keeps; an older one is forgotten past this. */
    public static final int MAX_GIVEN_EMAILS = 8;

    public ConversationRecord {
        Objects.requireNonNull(id, "id");
        givenEmails = givenEmails == null ? List.of() : List.copyOf(givenEmails);
        if (givenEmails.size() > MAX_GIVEN_EMAILS) {
            throw new IllegalArgumentException("givenEmails: at most " + MAX_GIVEN_EMAILS + " addresses");
        }
        Objects.requireNonNull(visitorId, "visitorId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /**
     * A builder of a record with the required fields; every other field starts null (no given
     * email addresses) until set.
     *
     * @param id the conversation id
     * @param visitorId the visitor who started it
     * @param state its state in the router's state machine
     * @param startedAt when it started
     * @return a builder; {@link Builder#build()} checks the values as the constructor does
     */
    public static Builder builder(String id, String visitorId, ConversationState state, Instant startedAt) {
        return new Builder(id, visitorId, state, startedAt);
    }

    /** Builds a {@link ConversationRecord} whose optional fields default to null (and no given addresses). */
    public static final class Builder {
        private final String id;
        private final String visitorId;
        private final ConversationState state;
        private final Instant startedAt;
        private String agentId;
        private String firstLine;
        private Integer score;
        private Instant queuedAt;
        private Instant assignedAt;
        private HandoffReason handoffReason;
        private String department;
        private List<String> givenEmails = List.of();
        private String site;

        private Builder(String id, String visitorId, ConversationState state, Instant startedAt) {
            this.id = id;
            this.visitorId = visitorId;
            this.state = state;
            this.startedAt = startedAt;
        }

        /**
         * Sets {@code agentId}.
         *
         * @param value the owning agent
         * @return this builder
         */
        public Builder agentId(String value) {
            this.agentId = value;
            return this;
        }

        /**
         * Sets {@code firstLine}.
         *
         * @param value the visitor's first message
         * @return this builder
         */
        public Builder firstLine(String value) {
            this.firstLine = value;
            return this;
        }

        /**
         * Sets {@code score}.
         *
         * @param value the visitor's rating
         * @return this builder
         */
        public Builder score(Integer value) {
            this.score = value;
            return this;
        }

        /**
         * Sets {@code queuedAt}.
         *
         * @param value when it entered the queue
         * @return this builder
         */
        public Builder queuedAt(Instant value) {
            this.queuedAt = value;
            return this;
        }

        /**
         * Sets {@code assignedAt}.
         *
         * @param value when an agent got it
         * @return this builder
         */
        public Builder assignedAt(Instant value) {
            this.assignedAt = value;
            return this;
        }

        /**
         * Sets {@code handoffReason}.
         *
         * @param value why it went to a human
         * @return this builder
         */
        public Builder handoffReason(HandoffReason value) {
            this.handoffReason = value;
            return this;
        }

        /**
         * Sets {@code department}.
         *
         * @param value the team it is routed to
         * @return this builder
         */
        public Builder department(String value) {
            this.department = value;
            return this;
        }

        /**
         * Sets {@code givenEmails}.
         *
         * @param value the email addresses the visitor gave, oldest first
         * @return this builder
         */
        public Builder givenEmails(List<String> value) {
            this.givenEmails = value;
            return this;
        }

        /**
         * Sets {@code site}.
         *
         * @param value the key of the site it was started from
         * @return this builder
         */
        public Builder site(String value) {
            this.site = value;
            return this;
        }

        /**
         * The record.
         *
         * @return the record of the values set
         * @throws NullPointerException naming the field if a required one is null
         * @throws IllegalArgumentException if more than {@link #MAX_GIVEN_EMAILS} addresses were given
         */
        public ConversationRecord build() {
            return new ConversationRecord(
                    id,
                    visitorId,
                    state,
                    agentId,
                    startedAt,
                    firstLine,
                    score,
                    queuedAt,
                    assignedAt,
                    handoffReason,
                    department,
                    givenEmails,
                    site);
        }
    }
}
