package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** An earlier conversation of the same visitor, openable in full with {@code history}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EarlierConversation(String conversationId, Instant startedAt, String firstLine, Integer score) {}
