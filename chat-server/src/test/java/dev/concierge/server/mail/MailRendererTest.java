package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.attach.FileUrls;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.VisitorRecord;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.swing.text.MutableAttributeSet;
import javax.swing.text.html.HTML;
import javax.swing.text.html.HTMLEditorKit;
import javax.swing.text.html.parser.ParserDelegator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of mail in every built-in language, rendered from a stored conversation: what each
 * shows, the marker line of the mails that can be answered, the escaping of the visitor's text,
 * and no remote resource in any HTML part.
 */
final class MailRendererTest {
    static final Instant T0 = Instant.parse("2026-12-03T09:12:00Z");
    static final String HOSTILE = "<img src=x onerror=alert(1)>";
    static final Author ADA = new Author(Role.VISITOR, "v_ada", "Ada");
    static final Author DANA = new Author(Role.AGENT, "dana", "Dana");
    static final String FROM = "Concierge demo <demo@localhost>";
    static final Map<String, String> MARKERS = Map.of(
            "en", "-- reply above this line --",
            "fr", "-- répondez au-dessus de cette ligne --",
            "de", "-- Antwort über dieser Zeile schreiben --");

    final InMemoryConversationStore store = new InMemoryConversationStore();
    final MailRenderer renderer = new MailRenderer(store, FROM, Map.of());

    /** A conversation: the visitor (on {@code pageUrl}), the bot, a handoff, an agent, a note, the visitor again. */
    void conversation(String id, String pageUrl) throws Exception {
        store.saveVisitor(new VisitorRecord(
                        "v_ada",
                        "token",
                        new VisitorContext("Ada", null, "en", null, null, new Page(pageUrl, "Shop", null), Map.of()),
                        T0))
                .get(5, TimeUnit.SECONDS);
        store.saveConversation(ConversationRecord.builder(id, "v_ada", ConversationState.FOLLOW_UP, T0)
                        .firstLine(HOSTILE)
                        .build())
                .get(5, TimeUnit.SECONDS);
        List<TranscriptEvent> events = List.of(
                TranscriptEvent.message("m1", ADA, "Where is my order? " + HOSTILE),
                TranscriptEvent.bot(
                        "Orders ship within 2 days.",
                        new BotTurn(true, "ship", 0.9, List.of(), false, "Shipping?", null)),
                TranscriptEvent.handoff("h1", "Connecting you to a person", HandoffReason.VISITOR_ASKED),
                TranscriptEvent.offlineMessage("l1", ADA, "Please answer by email " + HOSTILE, "ada@example.test"),
                TranscriptEvent.assigned("Dana joined", new AgentInfo("dana", "Dana")),
                TranscriptEvent.note("n1", DANA, "internal: customer is grumpy"),
                TranscriptEvent.message("m2", DANA, "It left the warehouse today."));
        append(id, events, 1);
    }

    void append(String id, List<TranscriptEvent> events, long firstSeq) throws Exception {
        List<TranscriptEvent> stamped = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            stamped.add(events.get(i).stamped(firstSeq + i, T0.plusSeconds(60L * (firstSeq + i))));
        }
        store.appendAll(id, stamped).get(5, TimeUnit.SECONDS);
    }

    static QueuedMail row(String conversation, long seq, String kind, String payload) {
        OutboundMail m = new OutboundMail(
                conversation + "." + seq + "." + kind + "@localhost",
                conversation,
                seq,
                kind,
                "demo",
                kind.equals("agent_alert") ? "dana@example.test" : "ada@example.test",
                payload,
                T0);
        return new QueuedMail(m, MailState.SENDING, 1, T0, Optional.empty(), Optional.empty());
    }

    static String payload(String kind, String language) {
        return switch (kind) {
            case "agent_reply" -> "{\"language\":\"" + language + "\",\"agentName\":\"Dana\"}";
            case "agent_alert" ->
                "{\"language\":\"" + language
                        + "\",\"reason\":\"follow_up\",\"agentName\":\"Dana\",\"visitorName\":\"Ada\"}";
            case "webhook_paused" -> webhookPaused(language, "CRM " + HOSTILE);
            default -> "{\"language\":\"" + language + "\"}";
        };
    }

    /** The payload of a {@code webhook_paused} alert of endpoint whe_1, described as {@code description}. */
    static String webhookPaused(String language, String description) {
        return "{\"language\":\"" + language + "\",\"agentName\":\"Dana\",\"endpointId\":\"whe_1\","
                + "\"url\":\"https://crm.example/hooks\",\"reason\":\"receiver answered 410 Gone\","
                + "\"pausedAt\":\"2026-12-03T09:12:00Z\",\"waiting\":12,\"description\":\"" + description + "\"}";
    }

    static long seqOf(String kind) {
        return kind.equals("confirmation") ? 4 : 7;
    }

    static Stream<Arguments> everyKindAndLanguage() {
        return Stream.of("confirmation", "agent_reply", "transcript", "agent_alert", "webhook_paused")
                .flatMap(k -> Stream.of("en", "fr", "de").map(l -> Arguments.of(k, l)));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("everyKindAndLanguage")
    void everyKind_inEveryLanguage_escapesTheVisitorsText_loadsNothing_andMarksWhereToReply(String kind, String lang)
            throws Exception {
        conversation("c1", "https://shop.example/orders?id=7&x=1");

        MailContent m = renderer.render(row("c1", seqOf(kind), kind, payload(kind, lang)));

        assertThat(m.html())
                .contains("lang=\"" + lang + "\"")
                .doesNotContain("<img")
                .contains("&lt;img src&#61;x");
        assertThat(m.text()).contains(HOSTILE);
        assertThat(remoteResources(m.html()))
                .as("remote resources in the HTML part")
                .isEmpty();
        assertThat(m.subject()).isNotBlank().doesNotContain("{{").doesNotContain("\n");
        if (kind.equals("agent_alert") || kind.equals("webhook_paused")) {
            assertThat(m.text()).doesNotContain(MARKERS.get(lang));
        } else {
            assertThat(m.text()).startsWith(MARKERS.get(lang) + "\n");
            assertThat(m.html()).contains(MARKERS.get(lang));
        }
        assertThat(m.from()).isEqualTo(FROM);
    }

    @Test
    void anAgentReply_showsTheConversationUpToItsLatestMessage_withoutNotesOrStateChanges() throws Exception {
        conversation("c1", "https://shop.example/orders");
        // Written after the row was enqueued (seq 7): the same mail carries it.
        append("c1", List.of(TranscriptEvent.message("m3", DANA, "Tracking number: 1Z999")), 8);

        MailContent m = renderer.render(row("c1", 7, "agent_reply", payload("agent_reply", "en")));

        assertThat(m.subject()).isEqualTo("Dana replied to your message");
        assertThat(m.text())
                .contains("Ada, 3 Dec 2026, 09:13 UTC:\nWhere is my order? " + HOSTILE)
                .contains("Concierge, 3 Dec 2026, 09:14 UTC:\nOrders ship within 2 days.")
                .contains("Ada, 3 Dec 2026, 09:16 UTC:\nPlease answer by email")
                .contains("Dana, 3 Dec 2026, 09:19 UTC:\nIt left the warehouse today.")
                .contains("Dana, 3 Dec 2026, 09:20 UTC:\nTracking number: 1Z999")
                .doesNotContain("grumpy")
                .doesNotContain("Connecting you")
                .doesNotContain("Dana joined")
                .contains("Continue the chat: https://shop.example/orders");
        assertThat(m.html())
                .contains("href=\"https://shop.example/orders\"")
                .contains("Tracking number: 1Z999")
                .doesNotContain("grumpy");
        assertThat(m.text().indexOf("Where is my order")).isLessThan(m.text().indexOf("Tracking number"));
    }

    @Test
    void aTranscript_endsAtItsSeq_andTimesAreInTheVisitorsZone_inTheMailsLanguage() throws Exception {
        conversation("c1", "https://shop.example/");
        store.saveVisitor(new VisitorRecord(
                        "v_ada",
                        "token",
                        new VisitorContext("Ada", null, "fr", "Europe/Paris", null, null, Map.of()),
                        T0))
                .get(5, TimeUnit.SECONDS);
        append("c1", List.of(TranscriptEvent.message("m3", DANA, "after the request")), 8);

        MailContent m = renderer.render(row("c1", 7, "transcript", payload("transcript", "fr")));

        assertThat(m.subject()).isEqualTo("Votre conversation");
        assertThat(m.text())
                .contains("Ada, 3 déc. 2026 à 10:13 Europe/Paris:")
                .contains("It left the warehouse today.")
                .doesNotContain("after the request")
                .doesNotContain("Reprendre la conversation"); // no page in the context: no link
    }

    @Test
    void aFileAMessageCarries_isNamedWithItsLastingLink_andItsNameEscaped() throws Exception {
        conversation("c1", "https://shop.example/");
        Attachment photo = new Attachment(
                "a_" + "q".repeat(26), "mug " + HOSTILE + ".png", Attachment.IMAGE, "image/png", 4096, 64, 48);
        append("c1", List.of(TranscriptEvent.message("m3", ADA, "").withAttachment(photo)), 8);
        FileUrls urls = (conversation, id) -> Optional.of("https://chat.example/files/link/" + conversation + "-" + id);

        MailContent linked = new MailRenderer(store, FROM, Map.of(), urls)
                .render(row("c1", 8, "transcript", payload("transcript", "en")));
        MailContent plain = renderer.render(row("c1", 8, "transcript", payload("transcript", "en")));

        String url = "https://chat.example/files/link/c1-" + photo.id();
        assertThat(linked.text()).contains("[mug " + HOSTILE + ".png " + url + "]");
        assertThat(linked.html())
                .contains("<a href=\"" + url + "\"")
                .contains("mug &lt;img src&#61;x onerror&#61;alert(1)&gt;.png")
                .doesNotContain(HOSTILE);
        assertThat(plain.text()).contains("[mug " + HOSTILE + ".png]").doesNotContain("/files/link/");
    }

    @Test
    void theLink_isOnlyToAWebPage() throws Exception {
        conversation("c1", "javascript:alert(1)");
        MailContent m = renderer.render(row("c1", 7, "transcript", payload("transcript", "en")));
        assertThat(m.html()).doesNotContain("href").doesNotContain("javascript");
        assertThat(m.text()).doesNotContain("Continue the chat").doesNotContain("javascript");
        assertThat(MailRenderer.webLink("http://shop.example/a")).contains("http://shop.example/a");
        assertThat(MailRenderer.webLink("data:text/html,hi")).isEmpty();
        assertThat(MailRenderer.webLink("https:///nohost")).isEmpty();
        assertThat(MailRenderer.webLink("https://shop.example/" + "a".repeat(MailRenderer.MAX_LINK)))
                .isEmpty();
    }

    @Test
    void anAgentAlert_namesTheVisitorAndTheWait_andNamesInTheSubjectStayOnOneLine() throws Exception {
        conversation("c1", "https://shop.example/");
        String evil = "Ada\r\nBcc: everyone@example.test\u2028X-Evil: 1";

        MailContent waited = renderer.render(row(
                "c1",
                7,
                "agent_alert",
                "{\"language\":\"en\",\"reason\":\"long_wait\",\"agentName\":\"Dana\",\"visitorName\":"
                        + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(evil)
                        + ",\"waitedSeconds\":301}"));

        assertThat(waited.subject())
                .isEqualTo("Ada Bcc: everyone@example.test X-Evil: 1 is waiting (6 min)")
                .doesNotContain("\r")
                .doesNotContain("\n");
        assertThat(waited.text()).startsWith("Hello Dana,").contains("has been waiting for 6 min");
        MailContent followUp = renderer.render(row("c1", 7, "agent_alert", payload("agent_alert", "de")));
        assertThat(followUp.subject()).isEqualTo("Nachricht wartet: Ada");
        assertThat(followUp.text()).contains("Please answer by email " + HOSTILE);
        assertThatThrownBy(
                        () -> renderer.render(row("c1", 7, "agent_alert", "{\"language\":\"en\",\"reason\":\"spam\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reason");
    }

    @Test
    void aWebhookPausedAlert_namesTheEndpointTheReasonTheTimeTheBacklog_andHowToResume() throws Exception {
        MailRenderer northwind = new MailRenderer(
                store, FROM, Map.of("demo", MailTemplatesTest.site(java.nio.file.Path.of("no-templates"))));

        MailContent m = northwind.render(row("webhook:whe_1", 3, "webhook_paused", webhookPaused("en", "CRM")));

        assertThat(m.subject()).isEqualTo("Webhook paused (Northwind): https://crm.example/hooks");
        assertThat(m.text())
                .startsWith("Hello Dana,")
                .contains("of the site Northwind (demo) kept failing and was paused")
                .contains(
                        "Endpoint: whe_1 (CRM)\n",
                        "URL: https://crm.example/hooks\n",
                        "Reason: receiver answered 410 Gone\n",
                        "Paused since: 3 Dec 2026, 09:12 UTC\n",
                        "Deliveries waiting: 12\n")
                .contains("curl -sS -X POST \"$CONCIERGE/api/v1/webhooks/whe_1/resume\""
                        + " -H \"Authorization: Bearer $ADMIN_TOKEN\"");
        assertThat(m.html()).contains("whe_1/resume").contains("<td>12</td>");
        assertThat(northwind
                        .render(row("webhook:whe_1", 3, "webhook_paused", webhookPaused("fr", "CRM")))
                        .text())
                .contains("Suspendu depuis : 3 déc. 2026 à 09:12 UTC");
        assertThatThrownBy(() -> renderer.render(row("webhook:whe_1", 3, "webhook_paused", "{\"language\":\"en\"}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpointId");
    }

    @Test
    void anUnknownKind_orAPayloadThatIsNotJson_cannotBeMade() throws Exception {
        conversation("c1", "https://shop.example/");
        assertThatThrownBy(() -> renderer.render(row("c1", 7, "newsletter", "{}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newsletter");
        assertThatThrownBy(() -> renderer.render(row("c1", 7, "transcript", "not json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
    }

    /**
     * What in {@code html} would make a mail client load something, read by an HTML parser: an
     * element that loads (img, script, link, iframe, object, embed, style, base, form, input,
     * audio, video, source, meta refresh), an attribute that loads ({@code src}, {@code srcset},
     * {@code background}, {@code poster}, {@code data}), any {@code url(} in a style, and a link
     * that is not {@code http(s)}.
     */
    static List<String> remoteResources(String html) throws Exception {
        List<String> found = new ArrayList<>();
        HTMLEditorKit.ParserCallback callback = new HTMLEditorKit.ParserCallback() {
            @Override
            public void handleStartTag(HTML.Tag t, MutableAttributeSet a, int pos) {
                check(t, a);
            }

            @Override
            public void handleSimpleTag(HTML.Tag t, MutableAttributeSet a, int pos) {
                check(t, a);
            }

            private void check(HTML.Tag t, MutableAttributeSet a) {
                String name = t.toString().toLowerCase();
                if (List.of(
                                "img", "script", "link", "iframe", "object", "embed", "style", "base", "form", "input",
                                "audio", "video", "source", "meta", "frame", "applet")
                        .contains(name)) {
                    found.add("<" + name + ">");
                }
                for (var names = a.getAttributeNames(); names.hasMoreElements(); ) {
                    Object attribute = names.nextElement();
                    String key = attribute.toString().toLowerCase();
                    String value = String.valueOf(a.getAttribute(attribute));
                    if (List.of("src", "srcset", "background", "poster", "data", "lowsrc", "dynsrc")
                            .contains(key)) {
                        found.add(name + " " + key + "=" + value);
                    }
                    if (value.toLowerCase().contains("url(")) {
                        found.add(name + " " + key + " has url(");
                    }
                    if (key.equals("href") && !value.startsWith("https://") && !value.startsWith("http://")) {
                        found.add(name + " href=" + value);
                    }
                }
            }
        };
        new ParserDelegator().parse(new StringReader(html), callback, true);
        if (html.toLowerCase().contains("url(")) {
            found.add("url( in the text");
        }
        return found;
    }

    @Test
    void theResourceCheck_findsWhatItLooksFor() throws Exception {
        assertThat(remoteResources("<p>hi <img src=\"https://t.example/p.gif\"></p>"))
                .isNotEmpty();
        assertThat(remoteResources("<div style=\"background:url(https://t.example/p.gif)\">x</div>"))
                .isNotEmpty();
        assertThat(remoteResources("<table background=\"https://t.example/p.gif\"><tr><td>x</td></tr></table>"))
                .isNotEmpty();
        assertThat(remoteResources("<a href=\"javascript:alert(1)\">x</a>")).isNotEmpty();
        assertThat(remoteResources("<p><a href=\"https://shop.example/\">ok</a></p>"))
                .isEmpty();
    }
}
