package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who may see the development mailbox: a pure function of the client's address, the request's
 * headers and whether the server sends real mail. (A peer that is not loopback cannot be made on
 * a test machine's loopback network, hence the function; the socket test is {@code
 * DevMailboxEndToEndTest}.)
 */
final class DevMailboxPageTest {
    static InetSocketAddress at(String ip) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), 40_000);
    }

    static HttpHeaders none() {
        return new DefaultHttpHeaders();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"})
    void aLoopbackClient_withoutForwardingHeaders_mayUseIt(String ip) throws Exception {
        assertThat(DevMailboxPage.allowed(at(ip), none(), false)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"192.168.1.20", "10.0.0.7", "172.16.4.4", "fe80::1", "203.0.113.7", "2001:db8::7", "0.0.0.0"})
    void aLanOrPublicClient_mayNot(String ip) throws Exception {
        assertThat(DevMailboxPage.allowed(at(ip), none(), false)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Forwarded-For", "Forwarded", "X-Real-IP", "x-forwarded-for"})
    void aLoopbackClient_whoseRequestAProxyForwarded_mayNot(String header) throws Exception {
        HttpHeaders forwarded = new DefaultHttpHeaders().add(header, "203.0.113.7");
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), forwarded, false)).isFalse();
        assertThat(DevMailboxPage.allowed(at("::1"), forwarded, false)).isFalse();
    }

    @Test
    void aServerThatSendsRealMail_hasNone_evenForLoopback() throws Exception {
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), none(), true)).isFalse();
    }

    @Test
    void anUnresolvedOrNonInternetAddress_mayNot() {
        assertThat(DevMailboxPage.allowed(InetSocketAddress.createUnresolved("localhost", 1), none(), false))
                .isFalse();
        assertThat(DevMailboxPage.allowed(new io.netty.channel.local.LocalAddress("x"), none(), false))
                .isFalse();
    }
}
