package dev.concierge.bench;

/** A load client on {@code /ws/agent}: says hello with its session token as soon as it is open. */
abstract class AgentSocket implements WsClient.Listener {
    private final String token;

    AgentSocket(String token) {
        this.token = token;
    }

    @Override
    public void opened(WsConnection connection) {
        connection.send(Hellos.agent(token));
    }
}
