package dev.concierge.server.transport;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The load balancers whose connections start with a PROXY protocol header naming the client:
 * addresses ({@code 127.0.0.1}, {@code ::1}) and CIDR blocks ({@code 10.0.0.0/8},
 * {@code fd00::/8}), literal only (a host name would make trust depend on DNS). A connection from
 * any other address is never read for a header, so a client cannot claim another's address.
 */
public final class TrustedProxies {
    private final List<IpSubnetFilterRule> rules;

    private TrustedProxies(List<IpSubnetFilterRule> rules) {
        this.rules = rules;
    }

    /**
     * Parses {@code entries}, each an IP address or {@code ADDRESS/PREFIX}.
     *
     * @throws IllegalArgumentException naming {@code field} and the bad entry
     */
    public static TrustedProxies parse(List<String> entries, String field) {
        Objects.requireNonNull(entries, field);
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String entry : entries) {
            rules.add(rule(entry, field));
        }
        return new TrustedProxies(List.copyOf(rules));
    }

    /** Whether no proxy is trusted (the default: every connection's address is its peer's). */
    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Whether {@code peer} is one of the trusted proxies. */
    public boolean contains(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress address) || address.getAddress() == null) {
            return false;
        }
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(address)) {
                return true;
            }
        }
        return false;
    }

    private static IpSubnetFilterRule rule(String entry, String field) {
        String bad =
                field + " entries must be an IP address or a CIDR block (127.0.0.1, 10.0.0.0/8, ::1), was " + entry;
        if (entry == null) {
            throw new IllegalArgumentException(bad);
        }
        int slash = entry.indexOf('/');
        String literal = slash < 0 ? entry : entry.substring(0, slash);
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(literal);
        if (address == null) {
            throw new IllegalArgumentException(bad);
        }
        int bits = address instanceof Inet4Address ? 32 : 128;
        int prefix = bits;
        if (slash >= 0) {
            String digits = entry.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException(bad);
            }
            prefix = Integer.parseInt(digits);
            if (prefix > bits) {
                throw new IllegalArgumentException(field + " entry " + entry + ": the prefix of an IPv"
                        + (bits == 32 ? "4" : "6") + " block must be 0 to " + bits);
            }
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }
}
