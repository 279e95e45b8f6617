/**
 * The Concierge protocol: the domain values a chat is made of (transcript events, the visitor's
 * context, handoff packages, error codes), public to every user of the SDK. The frames and their
 * JSON codec sit in {@code dev.concierge.protocol.wire}, exported only to the client SDK: the
 * server reads them from the class path, applications never see them.
 */
// "module": the qualified exports name the SDK's module, which is built after this one.
@SuppressWarnings("module")
module dev.concierge.protocol {
    requires transitive com.fasterxml.jackson.annotation;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;

    exports dev.concierge.protocol;
    exports dev.concierge.protocol.wire to
            dev.concierge.client;

    opens dev.concierge.protocol to
            com.fasterxml.jackson.databind;
    opens dev.concierge.protocol.wire to
            com.fasterxml.jackson.databind;
}
