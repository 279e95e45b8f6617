package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.server.auth.ApiScope;
import dev.concierge.server.webhook.WebhookTypes;
import dev.concierge.store.ConversationRecord;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document itself (chat-server/src/main/resources/api/openapi.json): a valid OpenAPI
 * 3.0 document, every reference resolving, every operation named, secured and with its error
 * answers, and its enums and event schemas in step with the Java types they describe.
 */
final class OpenApiDocumentTest {
    private static final OpenApiSpec SPEC = OpenApiSpec.load();
    private static final ProtocolCodec CODEC = ProtocolCodec.create();

    @Test
    void isAnOpenApi303Document_thatTheSwaggerParserReadsWithoutAMessage() {
        assertThat(SPEC.doc().path("openapi").asText()).isEqualTo("3.0.3");
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(SPEC.text(), null, options);
        assertThat(parsed.getMessages()).isEmpty();
        assertThat(parsed.getOpenAPI().getPaths())
                .hasSize(SPEC.doc().path("paths").size());
        assertThat(parsed.getOpenAPI().getComponents().getSchemas()).containsKeys("Error", "WebhookEvent");
    }

    @Test
    void everyRef_pointsIntoTheDocument_atSomething() {
        List<String> refs = SPEC.refs();
        assertThat(refs).hasSizeGreaterThan(100);
        for (String ref : refs) {
            assertThat(ref).as("a local reference").startsWith("#/");
            assertThat(SPEC.doc().at(ref.substring(1)).isObject()).as(ref).isTrue();
        }
    }

    @Test
    void everySchema_compiles_andRefusesAValueOfTheWrongType() {
        SPEC.doc().path("components").path("schemas").fieldNames().forEachRemaining(name -> {
            // Every component schema describes an object or a string: a bare number fits none.
            assertThat(SPEC.validateAs(name, "12345")).as(name).isNotEmpty();
        });
    }

    @Test
    void everyOperation_hasAUniqueId_security_andItsErrorAnswers() {
        List<OpenApiSpec.Operation> operations = SPEC.operations();
        assertThat(operations).hasSizeGreaterThanOrEqualTo(22);
        Set<String> ids = new HashSet<>();
        Set<String> scopes =
                Arrays.stream(ApiScope.values()).map(ApiScope::wire).collect(Collectors.toSet());
        for (OpenApiSpec.Operation op : operations) {
            assertThat(op.id()).as(op + " operationId").matches("[a-z][A-Za-z]+");
            assertThat(ids.add(op.id())).as(op + " unique operationId").isTrue();
            assertThat(op.node().path("security").isArray())
                    .as(op + " states its security")
                    .isTrue();
            if (!op.secured()) {
                assertThat(op.path()).as("only the document itself is public").isEqualTo(OpenApiDocument.PATH);
                continue;
            }
            assertThat(op.node().path("security").get(0).has("bearer"))
                    .as(op.toString())
                    .isTrue();
            assertThat(scopes)
                    .as(op + " x-scope")
                    .contains(op.node().path("x-scope").asText());
            for (int status : new int[] {401, 403, 429}) {
                assertThat(errorSchema(op, status)).as(op + " " + status).isTrue();
            }
            if (op.path().contains("{")) {
                assertThat(errorSchema(op, 404)).as(op + " 404").isTrue();
            }
            if (op.node().has("requestBody")) {
                assertThat(errorSchema(op, 400)).as(op + " 400").isTrue();
            }
        }
    }

    private static boolean errorSchema(OpenApiSpec.Operation op, int status) {
        return SPEC.response(op, status)
                .map(r -> SPEC.follow(r + "/content/application~1json/schema"))
                .filter("/components/schemas/Error"::equals)
                .isPresent();
    }

    @Test
    void theErrorEnum_isEveryErrorCode_byItsWireName() {
        assertEnum(
                "Error/properties/error",
                Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList());
        assertThat(SPEC.validateAs("Error", "{\"error\":\"not_found\"}")).isEmpty();
        assertThat(SPEC.validateAs("Error", "{\"error\":\"no_such_code\",\"message\":\"m\"}"))
                .isNotEmpty();
    }

    @Test
    void theScopeAndEventTypeEnums_areTheServersOwn() {
        assertEnum(
                "ApiScope", Arrays.stream(ApiScope.values()).map(ApiScope::wire).toList());
        assertEnum("WebhookEventType", WebhookTypes.ALL);
        List<String> mapped = new ArrayList<>();
        SPEC.doc()
                .at("/components/schemas/WebhookEvent/discriminator/mapping")
                .fieldNames()
                .forEachRemaining(mapped::add);
        assertThat(mapped).containsExactlyElementsOf(WebhookTypes.ALL);
        assertThat(SPEC.doc().at("/components/schemas/WebhookEvent/oneOf")).hasSize(WebhookTypes.ALL.size());
    }

    @Test
    void theTranscriptEventSchema_hasTheRecordsFields_andTakesEveryKindAsTheCodecWritesIt() throws Exception {
        List<String> properties = new ArrayList<>();
        SPEC.doc()
                .at("/components/schemas/TranscriptEvent/properties")
                .fieldNames()
                .forEachRemaining(properties::add);
        assertThat(properties)
                .containsExactlyElementsOf(Arrays.stream(TranscriptEvent.class.getRecordComponents())
                        .map(c -> c.getName())
                        .toList());
        assertThat(strings(SPEC.doc().at("/components/schemas/TranscriptEvent/properties/kind/enum")))
                .containsExactlyElementsOf(Arrays.stream(TranscriptEvent.Kind.values())
                        .map(k -> CODEC.mapper().convertValue(k, String.class))
                        .toList());
        Author visitor = new Author(Role.VISITOR, "v_1", "Ada");
        Author agent = new Author(Role.AGENT, "a1", "Agent One");
        BotTurn answered = new BotTurn(true, "order-status", 0.91, List.of(), false, "Where is my order?", 1L);
        BotTurn missed = new BotTurn(false, null, 0.2, List.of(new Suggestion("returns", "How do I return?")), true);
        List<TranscriptEvent> events = List.of(
                TranscriptEvent.message("m1", visitor, "Where is my order?"),
                TranscriptEvent.message("api:k:1", agent, "On its way").withVia("api"),
                TranscriptEvent.bot("It ships in 2 days.", answered),
                TranscriptEvent.bot("Did you mean?", missed),
                TranscriptEvent.handoff("h1", "Connecting you", HandoffReason.VISITOR_ASKED),
                TranscriptEvent.queued("You are next", "visitor_left"),
                TranscriptEvent.assigned("Agent One joined", new AgentInfo("a1", "Agent One")),
                TranscriptEvent.transferredToDepartment("t1", "Moved", "billing"),
                TranscriptEvent.closed("c1", agent, "solved"),
                TranscriptEvent.rated("r1", visitor, 5, "Thanks"),
                TranscriptEvent.note("n1", agent, "VIP"),
                TranscriptEvent.offlineMessage("o1", visitor, "Call me", "ada@example.com"));
        assertThat(events.stream().map(TranscriptEvent::kind).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(TranscriptEvent.Kind.values());
        long seq = 1;
        for (TranscriptEvent e : events) {
            String json =
                    CODEC.mapper().writeValueAsString(e.stamped(seq++, Instant.parse("2026-12-06T23:20:55.123Z")));
            assertThat(SPEC.validateAs("TranscriptEvent", json)).as(json).isEmpty();
        }
        assertThat(SPEC.validateAs("TranscriptEvent", "{\"seq\":1,\"ts\":\"2026-12-06T23:20:55Z\",\"kind\":\"shout\"}"))
                .isNotEmpty();
    }

    @Test
    void theConversationDetail_takesAStoredRecordAsJacksonWritesIt_withOrWithoutAVisitor() throws Exception {
        ConversationRecord record = new ConversationRecord(
                "c_1",
                "v_1",
                ConversationState.ASSIGNED,
                "a1",
                Instant.parse("2026-12-06T23:20:55Z"),
                "Where is my order?",
                null,
                Instant.parse("2026-12-06T23:21:00Z"),
                Instant.parse("2026-12-06T23:21:05Z"),
                HandoffReason.VISITOR_ASKED,
                null,
                List.of("ada@example.com"),
                "demo");
        String conversation = CODEC.mapper().writeValueAsString(record);
        String visitor = CODEC.mapper()
                .writeValueAsString(VisitorContext.builder().name("Ada").build());
        String events = "[]";
        for (String v : new String[] {visitor, "null"}) {
            String json = "{\"conversation\":" + conversation + ",\"visitor\":" + v + ",\"events\":" + events
                    + ",\"nextAfterSeq\":null}";
            assertThat(SPEC.validateAs("ConversationDetail", json)).as(json).isEmpty();
        }
        assertThat(SPEC.validateAs("ConversationRecord", conversation.replace("\"assigned\"", "\"asleep\"")))
                .isNotEmpty();
        assertThat(SPEC.validateAs(
                        "ConversationDetail", "{\"conversation\":" + conversation + ",\"visitor\":7,\"events\":[]}"))
                .isNotEmpty();
    }

    @Test
    void theWebhookEvent_takesTheBodyOfEachType_andRefusesAMismatchedOne() {
        String envelope =
                "{\"id\":\"evt_Qm9vZ2xlLXRlc3QtMDAxMD\",\"type\":\"%s\",\"time\":\"2026-12-06T23:20:55.123456Z\","
                        + "\"site\":\"demo\",\"conversation\":{\"id\":\"c_8QZ\",\"seq\":12},\"data\":%s,\"version\":1}";
        String[][] bodies = {
            {"conversation.started", "{\"visitor\":{\"id\":\"v_1\"},\"department\":\"sales\"}"},
            {
                "message.created",
                "{\"author\":{\"role\":\"agent\",\"id\":\"integration:crm\",\"name\":\"CRM\"},"
                        + "\"text\":\"Hi\",\"via\":\"api\"}"
            },
            {
                "bot.answered",
                "{\"replyTo\":11,\"entryId\":\"order-status\",\"entryQuestion\":\"Where?\","
                        + "\"confidence\":0.9,\"text\":\"Soon\"}"
            },
            {"bot.missed", "{\"replyTo\":11,\"confidence\":0.1,\"suggestions\":[\"returns\"],\"humanOffered\":true}"},
            {"handoff.requested", "{\"reason\":\"visitor_asked\",\"department\":\"sales\"}"},
            {"conversation.assigned", "{\"agent\":{\"id\":\"a1\",\"name\":\"Agent One\"}}"},
            {"conversation.transferred", "{\"to\":{\"department\":\"billing\"},\"from\":{\"id\":\"a1\"}}"},
            {"conversation.closed", "{\"reason\":\"solved\",\"by\":{\"role\":\"agent\",\"id\":\"a1\"}}"},
            {"rating.submitted", "{\"score\":5,\"comment\":\"Thanks\"}"},
            {"followup.created", "{\"email\":\"ada@example.com\",\"text\":\"Call me\"}"},
        };
        assertThat(Arrays.stream(bodies).map(b -> b[0]).toList()).containsExactlyElementsOf(WebhookTypes.ALL);
        for (String[] b : bodies) {
            String json = String.format(envelope, b[0], b[1]);
            assertThat(SPEC.validateAs("WebhookEvent", json)).as(json).isEmpty();
        }
        // A rating's data under the type of a message, and a body without its version.
        assertThat(SPEC.validateAs("WebhookEvent", String.format(envelope, "message.created", bodies[8][1])))
                .isNotEmpty();
        assertThat(SPEC.validateAs(
                        "WebhookEvent",
                        String.format(envelope, "rating.submitted", bodies[8][1])
                                .replace(",\"version\":1", "")))
                .isNotEmpty();
    }

    /** The enum of the schema at {@code components/schemas/<path>} is {@code expected}, in order. */
    private static void assertEnum(String path, List<String> expected) {
        assertThat(strings(SPEC.doc().at("/components/schemas/" + path + "/enum")))
                .as(path)
                .containsExactlyElementsOf(expected);
    }

    private static List<String> strings(JsonNode array) {
        assertThat(array.isArray()).as("an array").isTrue();
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }
}
