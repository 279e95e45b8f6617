package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which addresses and URLs a webhook may go to, with nothing allowed and with each class allowed. */
final class TargetPolicyTest {
    private static final TargetPolicy ALL_CLASSES = TargetPolicy.of(List.of("loopback", "private", "link-local"), true);

    /** Each address, what the default policy answers ("" = allowed) and whether allowing every class lets it. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "8.8.8.8                 |                                                            | true",
                "203.0.113.7             |                                                            | true",
                "1.1.1.1                 |                                                            | true",
                "172.15.255.255          |                                                            | true",
                "172.32.0.1              |                                                            | true",
                "100.63.255.255          |                                                            | true",
                "100.128.0.1             |                                                            | true",
                "169.253.255.255         |                                                            | true",
                "2606:4700:4700::1111    |                                                            | true",
                "2001:db8::1             |                                                            | true",
                "127.0.0.1               | 127.0.0.1 is loopback                                      | true",
                "127.255.255.254         | 127.255.255.254 is loopback                                | true",
                "::1                     | ::1 is loopback                                            | true",
                "10.0.0.7                | 10.0.0.7 is private                                        | true",
                "10.255.255.255          | 10.255.255.255 is private                                  | true",
                "172.16.0.1              | 172.16.0.1 is private                                      | true",
                "172.31.255.255          | 172.31.255.255 is private                                  | true",
                "192.168.1.1             | 192.168.1.1 is private                                     | true",
                "100.64.0.1              | 100.64.0.1 is private                                      | true",
                "100.127.255.255         | 100.127.255.255 is private                                 | true",
                "fc00::1                 | fc00::1 is private                                         | true",
                "fd12:3456:789a::1       | fd12:3456:789a::1 is private                               | true",
                "fec0::1                 | fec0::1 is private                                         | true",
                "169.254.169.254         | 169.254.169.254 is link-local                              | true",
                "169.254.0.1             | 169.254.0.1 is link-local                                  | true",
                "fe80::1                 | fe80::1 is link-local                                      | true",
                "febf::1                 | febf::1 is link-local                                      | true",
                "0.0.0.0                 | 0.0.0.0 is not a destination                               | false",
                "0.1.2.3                 | 0.1.2.3 is not a destination                               | false",
                "::                      | :: is not a destination                                    | false",
                "224.0.0.1               | 224.0.0.1 is multicast                                     | false",
                "239.255.255.250         | 239.255.255.250 is multicast                               | false",
                "ff02::1                 | ff02::1 is multicast                                       | false",
                "240.0.0.1               | 240.0.0.1 is reserved                                      | false",
                "255.255.255.255         | 255.255.255.255 is reserved                                | false",
                "192.0.0.170             | 192.0.0.170 is reserved for protocol assignments           | false",
                "198.18.0.1              | 198.18.0.1 is reserved for benchmarking                    | false",
                "198.19.255.255          | 198.19.255.255 is reserved for benchmarking                | false",
                "::7f00:1                | ::7f00:1 is loopback (IPv4 127.0.0.1 inside)               | true",
                "::a00:7                 | ::a00:7 is private (IPv4 10.0.0.7 inside)                  | true",
                "::2                     | ::2 is not a destination (IPv4 0.0.0.2 inside)             | false",
                "64:ff9b::a9fe:a9fe      | 64:ff9b::a9fe:a9fe is link-local (IPv4 169.254.169.254 inside) | true",
                "64:ff9b::808:808        |                                                            | true",
                "64:ff9b:1::7f00:1       | 64:ff9b:1::7f00:1 is loopback (IPv4 127.0.0.1 inside)      | true",
                "::ffff:0:a00:7          | ::ffff:0:a00:7 is private (IPv4 10.0.0.7 inside)           | true",
                "2002:7f00:1::1          | 2002:7f00:1::1 is loopback (IPv4 127.0.0.1 inside)         | true",
                "2002:c0a8:101::         | 2002:c0a8:101:: is private (IPv4 192.168.1.1 inside)       | true",
                "2002:e000:1::           | 2002:e000:1:: is multicast (IPv4 224.0.0.1 inside)         | false",
                "2002:808:808::          |                                                            | true",
                "2001:0:4136:e378:8000:63bf:80ff:fffe | 2001:0:4136:e378:8000:63bf:80ff:fffe is loopback (IPv4 127.0.0.1 inside) | true",
            })
    void refusalOf_judgesEachAddressClass(String address, String refusal, boolean allowedWithEveryClass)
            throws Exception {
        InetAddress parsed = address(address);
        Optional<String> expected = refusal == null ? Optional.empty() : Optional.of(refusal);

        assertThat(TargetPolicy.DEFAULT.refusalOf(parsed)).isEqualTo(expected);
        assertThat(ALL_CLASSES.refusalOf(parsed).isEmpty()).isEqualTo(allowedWithEveryClass);
    }

    @Test
    void refusalOf_seesThroughIpv4MappedAddressesKeptAsIpv6() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 7;
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);

        assertThat(address).isInstanceOf(Inet6Address.class);
        assertThat(TargetPolicy.DEFAULT.refusalOf(address))
                .contains("::ffff:10.0.0.7 is private (IPv4 10.0.0.7 inside)");
        assertThat(TargetPolicy.DEFAULT.refusalOf(InetAddress.getByName("::ffff:127.0.0.1")))
                .contains("127.0.0.1 is loopback");
    }

    @Test
    void of_allowsOnlyTheNamedClasses() throws Exception {
        TargetPolicy loopback = TargetPolicy.parse("loopback", false);

        assertThat(loopback.refusalOf(address("127.0.0.1"))).isEmpty();
        assertThat(loopback.refusalOf(address("::1"))).isEmpty();
        assertThat(loopback.refusalOf(address("10.0.0.1"))).contains("10.0.0.1 is private");
        assertThat(loopback.refusalOf(address("169.254.169.254"))).contains("169.254.169.254 is link-local");
        assertThat(TargetPolicy.parse("Private, ,link-local", false).refusalOf(address("127.0.0.1")))
                .contains("127.0.0.1 is loopback");
    }

    @Test
    void of_allowsACidrAndNothingAroundIt_butNeverTheAlwaysRefusedSet() throws Exception {
        TargetPolicy policy = TargetPolicy.parse("10.1.0.0/16,fd00:1::/32,0.0.0.0/0", false);
        TargetPolicy narrow = TargetPolicy.parse("10.1.0.0/16,fd00:1::/32,192.168.7.7", false);

        assertThat(narrow.refusalOf(address("10.1.255.255"))).isEmpty();
        assertThat(narrow.refusalOf(address("10.2.0.0"))).contains("10.2.0.0 is private");
        assertThat(narrow.refusalOf(address("fd00:1:ffff::1"))).isEmpty();
        assertThat(narrow.refusalOf(address("fd00:2::1"))).contains("fd00:2::1 is private");
        assertThat(narrow.refusalOf(address("192.168.7.7"))).isEmpty();
        assertThat(narrow.refusalOf(address("192.168.7.8"))).contains("192.168.7.8 is private");
        assertThat(narrow.refusalOf(address("::ffff:10.1.0.9"))).isEmpty();
        assertThat(policy.refusalOf(address("127.0.0.1"))).isEmpty();
        assertThat(policy.refusalOf(address("0.0.0.0"))).contains("0.0.0.0 is not a destination");
        assertThat(policy.refusalOf(address("224.0.0.1"))).contains("224.0.0.1 is multicast");
    }

    @Test
    void of_namesTheItemItCannotRead() {
        for (String bad : List.of("localhost", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/x", "fe80::1%eth0/64")) {
            assertThatThrownBy(() -> TargetPolicy.parse("loopback," + bad, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "https://hooks.example.com/concierge?x=1 | false |",
                "https://hooks.example.com:8443/        | false |",
                "http://hooks.example.com/              | false | plain http is not allowed, only https",
                "http://hooks.example.com/              | true  |",
                "HTTPS://hooks.example.com/             | false |",
                "ftp://hooks.example.com/               | true  | the URL's scheme is not https",
                "/relative/path                         | true  | the URL is not an absolute http(s) URL",
                "mailto:ops@example.com                 | true  | the URL is not an absolute http(s) URL",
                "https://user:pw@hooks.example.com/     | true  | the URL carries user info",
                "https://hooks.example.com/#part        | true  | the URL has a fragment",
                "https://hooks.example.com:0/           | true  | the URL's port is not in 1..65535",
                "https://hooks.example.com:65536/       | true  | the URL's port is not in 1..65535",
                "https://hooks.example.com:65535/       | true  |",
                "https:///no-host                       | true  | the URL has no valid host",
                "https://127.0.0.1/hook                 | true  | 127.0.0.1 is loopback",
                "https://[::1]:8443/hook                | true  | ::1 is loopback",
                "https://[::ffff:169.254.169.254]/      | true  | 169.254.169.254 is link-local",
                "https://203.0.113.7/hook               | true  |",
            })
    void refusalOfUrl_takesOnlyAbsoluteHttpsUrlsWithoutCredentials(String url, boolean allowHttp, String refusal) {
        TargetPolicy policy = TargetPolicy.of(List.of(), allowHttp);

        assertThat(policy.refusalOfUrl(URI.create(url))).isEqualTo(Optional.ofNullable(refusal));
    }

    @Test
    void refusalOfUrl_refusesAUrlOverTheLengthLimit() {
        String base = "https://hooks.example.com/";

        assertThat(TargetPolicy.DEFAULT.refusalOfUrl(URI.create(base + "a".repeat(2048 - base.length()))))
                .isEmpty();
        assertThat(TargetPolicy.DEFAULT.refusalOfUrl(URI.create(base + "a".repeat(2049 - base.length()))))
                .contains("the URL is longer than 2048 characters");
    }

    @Test
    void refusalOfTarget_judgesTheAddressesAHostNameResolvesTo() {
        URI local = URI.create("https://localhost:8443/hook");

        assertThat(TargetPolicy.DEFAULT.refusalOfUrl(local))
                .as("the form alone is fine")
                .isEmpty();
        assertThat(TargetPolicy.DEFAULT.refusalOfTarget(local)).hasValueSatisfying(why -> assertThat(why)
                .startsWith("the URL's host localhost resolves to a refused address: ")
                .contains("is loopback"));
        assertThat(TargetPolicy.of(List.of("loopback"), false).refusalOfTarget(local))
                .isEmpty();
        assertThat(TargetPolicy.DEFAULT.refusalOfTarget(URI.create("https://no-such-host.invalid/hook")))
                .as("not refused before an attempt finds it unresolved")
                .isEmpty();
        assertThat(TargetPolicy.DEFAULT.refusalOfTarget(URI.create("http://203.0.113.7/hook")))
                .as("the form is judged first")
                .contains("plain http is not allowed, only https");
    }

    private static InetAddress address(String literal) throws Exception {
        return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(literal));
    }
}
