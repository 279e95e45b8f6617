package dev.concierge.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written {@code event} and {@code ack} frames are byte for byte what Jackson writes. */
final class EventJsonTest {
    private final ProtocolCodec codec = ProtocolCodec.create();
    /** Characters that need care: quotes, backslashes, every control, Latin-1, BMP, separators, emoji. */
    private static final String POOL =
            "ab Z09\"\\/'<>&\u0000\u0001\b\t\n\u000b\f\r\u001f\u007f\u0080é\u00ff\u0100€\u2028\u2029中文\uffff";

    private static final String[] EMOJI = {"😀", "👍🏽", "𝄞", "🇬🇧"};

    private String text(SplittableRandom random) {
        if (random.nextInt(10) == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        int len = random.nextInt(random.nextInt(10) == 0 ? 3000 : 40);
        for (int i = 0; i < len; i++) {
            if (random.nextInt(12) == 0) {
                sb.append(EMOJI[random.nextInt(EMOJI.length)]);
            } else {
                sb.append(POOL.charAt(random.nextInt(POOL.length())));
            }
        }
        return sb.toString();
    }

    private byte[] jackson(Object message) throws Exception {
        return codec.mapper().writeValueAsBytes(message);
    }

    @Test
    void eventsAndAcks_areTheBytesJacksonWrites_forRandomTextsAndEveryKindRoleAndOmittedField() throws Exception {
        SplittableRandom random = new SplittableRandom(20261204);
        int handWritten = 0;
        for (int i = 0; i < 20_000; i++) {
            Author author = random.nextInt(8) == 0
                    ? null
                    : new Author(
                            random.nextInt(6) == 0 ? null : Role.values()[random.nextInt(Role.values().length)],
                            text(random),
                            text(random));
            int nanos =
                    switch (random.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000; // whole milliseconds: three digits
                        case 2 -> random.nextInt(1_000_000) * 1000; // whole microseconds: six
                        default -> random.nextInt(1_000_000_000);
                    };
            long seconds = random.nextInt(50) == 0
                    ? random.nextLong(-100_000_000_000L, 400_000_000_000L) // years < 1970, > 9999
                    : random.nextLong(0, 253_402_300_800L);
            Instant ts = random.nextInt(10) == 0 ? null : Instant.ofEpochSecond(seconds, nanos);
            ServerMessage.Event event = new ServerMessage.Event(
                    text(random),
                    random.nextLong(1L << 40),
                    ts,
                    text(random),
                    Kind.values()[random.nextInt(Kind.values().length)],
                    author,
                    text(random),
                    null,
                    text(random),
                    null,
                    random.nextInt(3) == 0 ? random.nextInt(-5, 6) : null,
                    text(random),
                    text(random));
            byte[] fast = EventJson.event(event);
            assertThat(fast).as("event %d: %s", i, event).isNotNull();
            assertThat(new String(fast, StandardCharsets.UTF_8))
                    .as("event %d", i)
                    .isEqualTo(new String(jackson(event), StandardCharsets.UTF_8));
            assertThat(codec.encodeBytes(event)).isEqualTo(fast);
            ServerMessage.Ack ack = new ServerMessage.Ack(text(random), text(random), random.nextLong(1L << 40));
            assertThat(new String(EventJson.ack(ack), StandardCharsets.UTF_8))
                    .isEqualTo(new String(jackson(ack), StandardCharsets.UTF_8));
            handWritten += 2;
        }
        assertThat(handWritten).isEqualTo(40_000);
    }

    @Test
    void nestedBotOrAgentDetails_areLeftToJackson_andLoneSurrogatesAreEscapedAsJacksonDoes() throws Exception {
        Instant ts = Instant.parse("2026-11-23T10:15:30.120Z");
        ServerMessage.Event bot = new ServerMessage.Event(
                "c_1",
                2,
                ts,
                null,
                Kind.BOT,
                Author.BOT,
                "Hi",
                new BotTurn(true, "order-status", 0.9, List.of(), false),
                null,
                null,
                null,
                null);
        ServerMessage.Event assigned = new ServerMessage.Event(
                "c_1",
                3,
                ts,
                null,
                Kind.ASSIGNED,
                Author.SYSTEM,
                "Dana joined",
                null,
                null,
                new AgentInfo("demo", "Dana"),
                null,
                null);
        assertThat(EventJson.event(bot)).isNull();
        assertThat(EventJson.event(assigned)).isNull();
        assertThat(codec.encodeBytes(bot)).isEqualTo(jackson(bot));
        assertThat(codec.encodeBytes(assigned)).isEqualTo(jackson(assigned));

        ServerMessage.Event lone = new ServerMessage.Event(
                "c_1",
                4,
                ts,
                "m1",
                Kind.MESSAGE,
                Author.BOT,
                "half \ud83d of an emoji, and \ude00 its other half",
                null,
                null,
                null,
                null,
                null);
        assertThat(new String(EventJson.event(lone), StandardCharsets.UTF_8))
                .contains("half \\uD83D of an emoji, and \\uDE00 its other half")
                .isEqualTo(new String(jackson(lone), StandardCharsets.UTF_8));
        assertThat(new String(
                        EventJson.event(new ServerMessage.Event(
                                "c_1", 1, ts, null, Kind.MESSAGE, null, "", null, null, null, null, null)),
                        StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"type\":\"event\",\"conversationId\":\"c_1\",\"seq\":1,\"ts\":\"2026-11-23T10:15:30.120Z\",\"kind\":\"message\",\"text\":\"\"}");
    }
}
