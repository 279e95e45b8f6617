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

    /** A request as a browser on this machine sends it: a Host, no forwarding header. */
    static HttpHeaders none() {
        return new DefaultHttpHeaders().add("Host", "127.0.0.1:8080");
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
    @ValueSource(
            strings = {
                "X-Forwarded-For",
                "Forwarded",
                "X-Real-IP",
                "x-forwarded-for",
                "X-Forwarded-Host",
                "X-Client-IP",
                "True-Client-IP",
                "CF-Connecting-IP"
            })
    void aLoopbackClient_whoseRequestAProxyForwarded_mayNot(String header) throws Exception {
        HttpHeaders forwarded = none().add(header, "203.0.113.7");
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

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1"})
    void aLoopbackHost_mayUseIt(String host) throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders().add("Host", host);
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), headers, false)).isTrue();
    }

    /** A page whose name was re-pointed to 127.0.0.1 (DNS rebinding) sends its own name as Host. */
    @ParameterizedTest
    @ValueSource(
            strings = {"evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example:8080", "", "0.0.0.0:8080"
            })
    void anotherHostName_mayNot_evenFromLoopback(String host) throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders().add("Host", host);
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), headers, false)).isFalse();
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), new DefaultHttpHeaders(), false))
                .as("no Host at all")
                .isFalse();
    }

    /** Another site's page posting the reply form from the developer's browser carries its own Origin. */
    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "http://127.0.0.1.evil.example", "null", "file://"})
    void aRequestFromAnotherOrigin_mayNot(String origin) throws Exception {
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), none().add("Origin", origin), false))
                .isFalse();
        assertThat(DevMailboxPage.allowed(at("127.0.0.1"), none().add("Origin", "http://127.0.0.1:8080"), false))
                .as("the page's own origin")
                .isTrue();
    }
}
