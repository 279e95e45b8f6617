package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.AttachmentStore;
import dev.concierge.store.AttachmentStore.StoredAttachment;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.InMemoryConversationStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Messages that carry a file (docs/attachments.md): only the sender's own upload to that
 * conversation, carried by one message only, in the order the messages were sent, and the bot
 * offers a person for a file it cannot read.
 */
class RouterAttachmentsTest extends RouterFixture {
    private final Uploads uploads = new Uploads();
    private int n;

    @BeforeEach
    void start() {
        router(config("least-busy", 5), uploads.around(new InMemoryConversationStore()));
    }

    @Test
    void aVisitorsFileAlone_isStoredWithItsView_theBotOffersAPerson_andTheAgentSeesItInThePackage() {
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Attachment mug = uploads.add(cid, "visitor:" + visitorId(v), "mug.jpg");

        router.request(v, Role.VISITOR, new ClientMessage.Send("m-file", cid, "", null, mug.id()));
        settleUntil(() -> v.events().stream().filter(e -> e.kind() == Kind.BOT).count() >= 2);

        TranscriptEvent carried = v.events().stream()
                .filter(e -> "m-file".equals(e.id()))
                .findFirst()
                .orElseThrow();
        assertThat(carried.attachment()).isEqualTo(mug);
        assertThat(carried.text()).isEmpty();
        TranscriptEvent bot = v.events().get(v.events().size() - 1);
        assertThat(bot.text()).isEqualTo(VisitorRequests.CANNOT_SEE_FILES);
        assertThat(bot.bot().humanOffered()).isTrue();
        assertThat(uploads.seqOf(mug.id())).isEqualTo(carried.seq());

        Recorder a = agent("a");
        handoff(v);
        assertThat(a.last(ServerMessage.Assigned.class).handoff().transcript())
                .filteredOn(e -> e.attachment() != null)
                .singleElement()
                .satisfies(e -> assertThat(e.attachment().name()).isEqualTo("mug.jpg"));
    }

    @Test
    void aFileOfAnotherConversationOrAnotherUploader_isNotFound_andNothingIsStored() {
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Recorder other = visitor(null);
        String otherCid = say(other, "hi there");
        Attachment theirs = uploads.add(otherCid, "visitor:" + visitorId(other), "theirs.pdf");
        Attachment agents = uploads.add(cid, "agent:a", "agents.pdf");
        int before = v.events().size();

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "see", null, theirs.id()));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", cid, "see", null, agents.id()));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m3", cid, "see", null, "a_" + "b".repeat(26)));
        settleUntil(() -> v.all(ServerMessage.Error.class).size() >= 3);

        assertThat(v.all(ServerMessage.Error.class))
                .extracting(ServerMessage.Error::code, ServerMessage.Error::ref)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("not_found", "m1"),
                        org.assertj.core.groups.Tuple.tuple("not_found", "m2"),
                        org.assertj.core.groups.Tuple.tuple("not_found", "m3"));
        settle();
        assertThat(v.events()).hasSize(before);
        assertThat(uploads.seqOf(theirs.id())).isZero();
    }

    @Test
    void aFileIsCarriedByOneMessageOnly_butAResendOfThatMessageIsAcknowledgedAgain() {
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Recorder a = agent("a");
        handoff(v);
        Attachment file = uploads.add(cid, "visitor:" + visitorId(v), "invoice.pdf");

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "my invoice", null, file.id()));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "my invoice", null, file.id()));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", cid, "again", null, file.id()));
        settleUntil(() -> !v.all(ServerMessage.Error.class).isEmpty());
        settle();

        assertThat(v.events())
                .filteredOn(e -> e.attachment() != null)
                .singleElement()
                .satisfies(e -> assertThat(e.id()).isEqualTo("m1"));
        assertThat(v.all(ServerMessage.Error.class)).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo("bad_state");
            assertThat(e.ref()).isEqualTo("m2");
        });
        assertThat(a.events()).filteredOn(e -> e.attachment() != null).hasSize(1);
    }

    @Test
    void aMessageWithAFileTheStoreFailedToTake_canBeRetriedWithItsId() {
        router.close();
        router(
                config("least-busy", 5),
                uploads.around(failingOnce(new InMemoryConversationStore(), e -> e.attachment() != null)));
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Recorder a = agent("a");
        handoff(v);
        Attachment file = uploads.add(cid, "visitor:" + visitorId(v), "crack.png");

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "look", null, file.id()));
        settleUntil(() -> !v.all(ServerMessage.Error.class).isEmpty());
        assertThat(v.last(ServerMessage.Error.class).message()).contains("retry with the same id");
        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "look", null, file.id()));
        settleUntil(() -> a.events().stream().anyMatch(e -> "m1".equals(e.id())));

        assertThat(v.all(ServerMessage.Error.class)).hasSize(1);
        assertThat(a.events())
                .filteredOn(e -> "m1".equals(e.id()))
                .singleElement()
                .satisfies(e -> assertThat(e.attachment()).isEqualTo(file));
    }

    @Test
    void messagesAfterAFileKeepTheirOrder_whileTheFileIsRead() {
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Recorder a = agent("a");
        handoff(v);
        Attachment file = uploads.add(cid, "visitor:" + visitorId(v), "crack.png");
        uploads.slow = true;

        router.request(v, Role.VISITOR, new ClientMessage.Send("m1", cid, "look", null, file.id()));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m2", cid, "it is cracked", null));
        router.request(v, Role.VISITOR, new ClientMessage.Send("m3", cid, "on arrival", null));
        uploads.release();
        settleUntil(() -> a.events().stream().anyMatch(e -> "m3".equals(e.id())));

        assertThat(a.events())
                .filteredOn(e -> e.kind() == Kind.MESSAGE && e.id() != null && e.id().matches("m[123]"))
                .extracting(TranscriptEvent::id)
                .containsExactly("m1", "m2", "m3");
    }

    @Test
    void anAgentsFile_reachesTheVisitor() {
        Recorder v = visitor(null);
        String cid = say(v, "hello");
        Recorder a = agent("a");
        handoff(v);
        Attachment label = uploads.add(cid, "agent:a", "return-label.pdf");

        router.request(a, Role.AGENT, new ClientMessage.Send("r1", cid, "Here is your label", null, label.id()));
        settleUntil(() -> v.events().stream().anyMatch(e -> "r1".equals(e.id())));

        assertThat(v.events())
                .filteredOn(e -> "r1".equals(e.id()))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.attachment()).isEqualTo(label);
                    assertThat(e.text()).isEqualTo("Here is your label");
                });
    }

    private String say(Recorder v, String text) {
        int acks = v.all(ServerMessage.Ack.class).size();
        router.request(v, Role.VISITOR, new ClientMessage.Send(id(), null, text, null));
        settleUntil(() -> v.all(ServerMessage.Ack.class).size() > acks);
        return v.last(ServerMessage.Ack.class).conversationId();
    }

    private static String visitorId(Recorder v) {
        return v.last(ServerMessage.Welcome.class).visitorId();
    }

    /** Uploads kept in memory, referenced when a message carrying one is appended. */
    private final class Uploads implements AttachmentStore {
        final Map<String, StoredAttachment> byId = new ConcurrentHashMap<>();
        volatile boolean slow;
        private final CompletableFuture<Void> released = new CompletableFuture<>();

        Attachment add(String conversationId, String uploadedBy, String name) {
            String id = "a_"
                    + String.format("%26s", Integer.toString(++n, 32).replace('0', 'q'))
                            .replace(' ', 'a')
                            .replaceAll("[0189]", "z");
            Attachment view = new Attachment(id, name, Attachment.FILE, "application/pdf", 1234, null, null);
            byId.put(id, new StoredAttachment(view, conversationId, uploadedBy, "0".repeat(64), Instant.EPOCH, 0));
            return view;
        }

        private void referenced(TranscriptEvent event) {
            if (event.attachment() != null) {
                byId.computeIfPresent(
                        event.attachment().id(),
                        (k, s) -> new StoredAttachment(
                                s.view(), s.conversationId(), s.uploadedBy(), s.sha256(), s.createdAt(), event.seq()));
            }
        }

        long seqOf(String id) {
            return byId.get(id).seq();
        }

        void release() {
            released.complete(null);
        }

        ConversationStore around(ConversationStore store) {
            return (ConversationStore) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {ConversationStore.class}, (proxy, method, args) -> {
                        if (method.getName().equals("attachments")) {
                            return Optional.of(this);
                        }
                        Object result;
                        try {
                            result = method.invoke(store, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().startsWith("append") && args != null && args.length > 1) {
                            // As the store: referenced in the append's commit, not when it fails.
                            List<?> events = args[1] instanceof List<?> l ? l : List.of(args[1]);
                            return ((CompletableFuture<?>) result).thenApply(v -> {
                                events.forEach(e -> referenced((TranscriptEvent) e));
                                return v;
                            });
                        }
                        return result;
                    });
        }

        @Override
        public Optional<StoredAttachment> attachment(String id) {
            if (slow) {
                released.join();
            }
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public CompletableFuture<Void> putContent(String sha256, Path file) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public Optional<InputStream> openContent(String sha256) {
            return Optional.empty();
        }

        @Override
        public CompletableFuture<Void> add(StoredAttachment attachment) {
            byId.put(attachment.id(), attachment);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public long bytesOf(String conversationId) {
            return 0;
        }

        @Override
        public CompletableFuture<Integer> deleteUnreferenced(Instant createdBefore) {
            return CompletableFuture.completedFuture(0);
        }

        @Override
        public byte[] signingKey() {
            return new byte[32];
        }
    }
}
