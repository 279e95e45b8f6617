package dev.concierge.server.auth;

import dev.concierge.protocol.CannedReply;
import java.util.List;

/** What a server started without an agents file uses: two demo agents and sample canned replies. */
public final class DemoTeam {
    /** Sample canned replies for the demo agents. */
    public static final List<CannedReply> CANNED_REPLIES = List.of(
            new CannedReply(
                    "hello",
                    "Hi, thanks for waiting! I have read your conversation with our assistant, so no need to repeat anything."),
            new CannedReply("refund", "Refunds reach your account 3 to 5 working days after we receive the item back."),
            new CannedReply(
                    "tracking",
                    "You can follow your parcel under Account → Orders; the tracking link is in your shipping email too."),
            new CannedReply("bye", "Glad I could help. Have a great day!"));

    private DemoTeam() {}
}
