package dev.concierge.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static java.util.Map.entry;
import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.mapping;
import static java.util.stream.Collectors.toCollection;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Pins the shape of the server: which package may use which, what stays free of Netty, and each
 * package's public types. The packages run one way, from the wiring down to the helpers:
 * {@code server -> transport -> http -> insights -> cluster -> mail -> routing -> auth -> support}; a package uses only
 * packages to its right, and every package may use chat-store and chat-protocol.
 *
 * <p>The modules seen on this test classpath run one way too: bot-engine uses neither Netty nor the
 * protocol, the store or the server; chat-store and chat-protocol use no Netty and no server; the
 * client SDK uses the protocol but no server, store or bot class. The bench is a tool that drives
 * everything and may use anything, so no rule names it. The public types of the server's packages,
 * the store, the protocol and the bot are pinned below.
 */
@AnalyzeClasses(packages = "dev.concierge", importOptions = ImportOption.DoNotIncludeTests.class)
final class ArchitectureTest {

    private static final String SERVER = "dev.concierge.server";

    /** The modules whose public types {@link #PUBLIC_TYPES} pins: the server, the store, the protocol, the bot. */
    private static final List<String> PINNED_MODULES =
            List.of(SERVER, "dev.concierge.store", "dev.concierge.protocol", "dev.concierge.bot");

    /**
     * The public top-level types of each package. Making a type public is a decision about the
     * package's surface: add it here deliberately. The failure message prints the current lists.
     */
    private static final Map<String, List<String>> PUBLIC_TYPES = Map.ofEntries(
            entry(
                    "dev.concierge.bot",
                    List.of(
                            "BotEval",
                            "BotException",
                            "BotReply",
                            "Embedder",
                            "FaqBot",
                            "FaqEntry",
                            "KnowledgeBase",
                            "KnowledgeBaseEditor",
                            "Miss",
                            "ReloadListener",
                            "Suggestion")),
            entry(
                    "dev.concierge.protocol",
                    List.of(
                            "AgentInfo",
                            "AgentStatus",
                            "Attachment",
                            "Author",
                            "BotTurn",
                            "CannedReply",
                            "ConversationState",
                            "EarlierConversation",
                            "ErrorCode",
                            "HandoffPackage",
                            "HandoffReason",
                            "Identity",
                            "Page",
                            "PresenceStatus",
                            "QueueEntry",
                            "ReceiptStatus",
                            "Role",
                            "Suggestion",
                            "TranscriptEvent",
                            "VisitorContext",
                            "VisitorInfo")),
            entry(
                    "dev.concierge.protocol.wire",
                    List.of(
                            "Checks",
                            "ClientMessage",
                            "ContextClip",
                            "ProtocolCodec",
                            "ProtocolException",
                            "Resume",
                            "ServerMessage")),
            entry("dev.concierge.server", List.of("ChatServer", "Main", "NettyChatServer")),
            entry(
                    "dev.concierge.server.auth",
                    List.of(
                            "AgentAccount",
                            "AgentAuth",
                            "AgentsFile",
                            "ApiKeys",
                            "ApiPrincipal",
                            "ApiScope",
                            "AuthConfig",
                            "DemoTeam",
                            "IdentityVerifier",
                            "LoginThrottle",
                            "PasswordHasher",
                            "SecurityConfig",
                            "Site",
                            "SitesFile")),
            entry(
                    "dev.concierge.server.attach",
                    List.of(
                            "AttachmentSettings",
                            "FileInspector",
                            "FileLinks",
                            "FileNames",
                            "FileUrls",
                            "LingeringClose",
                            "UnreferencedSweep",
                            "UploadHandler",
                            "Uploads",
                            "VirusScanner")),
            entry("dev.concierge.server.cluster", List.of("ClusterNode", "ClusterSettings", "DeciderCalls")),
            entry(
                    "dev.concierge.server.http",
                    List.of(
                            "AgentApi",
                            "AttachmentEndpoints",
                            "BlockingWork",
                            "ClientAddress",
                            "ConversationWrites",
                            "ConversationsEndpoints",
                            "HttpHandler",
                            "RestApi",
                            "SignedInSockets",
                            "StaticFiles",
                            "TranscriptExport",
                            "VisitorAdminApi",
                            "WebhookReloads")),
            entry(
                    "dev.concierge.server.insights",
                    List.of(
                            "FaqEditing",
                            "InsightsApi",
                            "InsightsFigures",
                            "InsightsRange",
                            "InsightsReport",
                            "MeteredConversationStore",
                            "ServerMetrics")),
            entry(
                    "dev.concierge.server.mail",
                    List.of(
                            "DevMailbox",
                            "ImapSettings",
                            "MailContent",
                            "MailSender",
                            "MailSettings",
                            "MailTransport",
                            "ReplyReader",
                            "ReplyToken")),
            entry(
                    "dev.concierge.server.routing",
                    List.of(
                            "Agent",
                            "ApiRequests",
                            "BotService",
                            "BusinessHours",
                            "ChatCore",
                            "Dispatcher",
                            "EmailReply",
                            "Live",
                            "MailPolicyConfig",
                            "Recovery",
                            "RetentionConfig",
                            "Router",
                            "RoutingConfig",
                            "RoutingStrategy",
                            "Session",
                            "SharedFrame",
                            "Visitor",
                            "WebhookPauseAlerts")),
            entry(
                    "dev.concierge.server.support",
                    List.of("FileEdits", "Ids", "LogSafe", "Patterns", "RoundThread", "ServerException")),
            entry(
                    "dev.concierge.server.transport",
                    List.of(
                            "BotConfig",
                            "LoopBatching",
                            "ServerConfig",
                            "ServerInitializer",
                            "TrustedProxies",
                            "WebSocketSessionHandler")),
            entry(
                    "dev.concierge.server.webhook",
                    List.of(
                            "PauseAlerts",
                            "TargetPolicy",
                            "WebhookClient",
                            "WebhookSender",
                            "WebhookSettings",
                            "WebhookSignature",
                            "WebhookTransport",
                            "WebhookTypes")),
            entry(
                    "dev.concierge.store",
                    List.of(
                            "AttachmentStore",
                            "ConversationMetrics",
                            "ConversationRecord",
                            "ConversationStore",
                            "ConversationTranscript",
                            "DeciderLease",
                            "EndpointChange",
                            "EventMerge",
                            "Fencing",
                            "InMemoryConversationStore",
                            "IntegrationStore",
                            "JdbcConversationStore",
                            "JdbcDatabase",
                            "JdbcRows",
                            "MergedEvents",
                            "SharedFiles",
                            "StoreException",
                            "VisitorRecord",
                            "WalSyncer")));

    private ArchitectureTest() {}

    @ArchTest
    static void packages_useOnlyThePackagesToTheirRight(JavaClasses classes) {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("server")
                .definedBy(SERVER)
                .layer("transport")
                .definedBy(SERVER + ".transport..")
                .layer("http")
                .definedBy(SERVER + ".http..")
                .layer("insights")
                .definedBy(SERVER + ".insights..")
                .layer("cluster")
                .definedBy(SERVER + ".cluster..")
                .layer("mail")
                .definedBy(SERVER + ".mail..")
                .layer("routing")
                .definedBy(SERVER + ".routing..")
                .layer("auth")
                .definedBy(SERVER + ".auth..")
                .layer("support")
                .definedBy(SERVER + ".support..")
                .whereLayer("server")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("transport")
                .mayOnlyBeAccessedByLayers("server")
                .whereLayer("http")
                .mayOnlyBeAccessedByLayers("server", "transport")
                .whereLayer("insights")
                .mayOnlyBeAccessedByLayers("server", "transport", "http")
                .whereLayer("cluster")
                .mayOnlyBeAccessedByLayers("server", "transport", "http", "insights")
                .whereLayer("mail")
                .mayOnlyBeAccessedByLayers("server", "transport", "http", "insights", "cluster")
                .whereLayer("routing")
                .mayOnlyBeAccessedByLayers("server", "transport", "http", "insights", "cluster", "mail")
                .whereLayer("auth")
                .mayOnlyBeAccessedByLayers("server", "transport", "http", "insights", "cluster", "mail", "routing")
                .whereLayer("support")
                .mayOnlyBeAccessedByLayers(
                        "server", "transport", "http", "insights", "cluster", "mail", "routing", "auth")
                .check(classes);
    }

    @ArchTest
    static void store_usesNeitherTheServerNorNetty(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage("dev.concierge.store..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVER + "..", "io.netty..")
                .because("the store is a module of its own with no network on its classpath")
                .check(classes);
    }

    @ArchTest
    static void protocol_usesNeitherTheServerNorNetty(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage("dev.concierge.protocol..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVER + "..", "dev.concierge.store..", "io.netty..")
                .because("the protocol is shared with clients, which bring their own transport")
                .check(classes);
    }

    @ArchTest
    static void bot_usesNeitherNettyNorTheProtocolNorTheServer(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage("dev.concierge.bot..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVER + "..", "dev.concierge.protocol..", "dev.concierge.store..", "io.netty..")
                .because("the bot answers text with text: it is a library of its own, usable without a chat")
                .check(classes);
    }

    @ArchTest
    static void sdk_usesNoServerOrStoreClass(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage("dev.concierge.client..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVER + "..", "dev.concierge.store..", "dev.concierge.bot..")
                .because("the SDK runs in the customer's application and speaks to the server only through the"
                        + " protocol")
                .check(classes);
    }

    @ArchTest
    static void onlyTheWiring_choosesTheStoreImplementation(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage(SERVER + ".*..")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("dev.concierge.store.JdbcConversationStore")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("dev.concierge.store.InMemoryConversationStore")
                .because("the server's packages speak to the ConversationStore interface; the wiring picks one")
                .check(classes);
    }

    @ArchTest
    static void onlyTheWiringTransportAndHttp_touchNettyChannels(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAnyPackage(
                        SERVER + ".insights..",
                        SERVER + ".cluster..",
                        SERVER + ".mail..",
                        SERVER + ".routing..",
                        SERVER + ".auth..",
                        SERVER + ".support..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty.channel..")
                .because("the core reaches a connection only through its Session")
                .check(classes);
    }

    @ArchTest
    static void transport_handsRequestsToChatCore_notTheRouter(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage(SERVER + ".transport..")
                .and()
                .doNotHaveSimpleName("ServerInitializer")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName(SERVER + ".routing.Router")
                .because("the transport speaks to the core through ChatCore; only the pipeline's assembly"
                        + " passes the local router on, to the visitor admin API")
                .check(classes);
    }

    @ArchTest
    static void authAndSupport_useNoNetty(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAnyPackage(SERVER + ".auth..", SERVER + ".support..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty..")
                .check(classes);
    }

    @ArchTest
    static void routing_schedulesThroughAPlainExecutor_notNettysThreads(JavaClasses classes) {
        noClasses()
                .that()
                .resideInAPackage(SERVER + ".routing..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.netty.util.concurrent..", "io.netty.util.internal..")
                .because("the core runs its work on an Executor it is given, testable without an event loop")
                .check(classes);
    }

    @ArchTest
    static void eachPackage_makesPublicOnlyTheTypesListedForIt(JavaClasses classes) {
        SortedMap<String, TreeSet<String>> actual = classes.stream()
                .filter(c -> PINNED_MODULES.stream().anyMatch(c.getPackageName()::startsWith))
                .filter(JavaClass::isTopLevelClass)
                .filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC))
                .collect(groupingBy(
                        JavaClass::getPackageName,
                        TreeMap::new,
                        mapping(JavaClass::getSimpleName, toCollection(TreeSet::new))));
        SortedMap<String, TreeSet<String>> expected = new TreeMap<>();
        PUBLIC_TYPES.forEach((pkg, types) -> expected.put(pkg, new TreeSet<>(types)));
        assertThat(actual)
                .as(
                        "A package's public types changed. Make a type public only deliberately, then replace"
                                + " PUBLIC_TYPES in ArchitectureTest with:%n%s",
                        asJava(actual))
                .isEqualTo(expected);
    }

    private static String asJava(SortedMap<String, TreeSet<String>> types) {
        return types.entrySet().stream()
                .map(e -> "            entry(\"" + e.getKey() + "\", List.of("
                        + e.getValue().stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))
                        + "))")
                .collect(Collectors.joining(",\n", "Map.ofEntries(\n", ");"));
    }
}
