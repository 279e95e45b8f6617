package dev.concierge.server.webhook;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which addresses and URLs a webhook may be sent to (docs/security.md, "Webhooks and SSRF"). An
 * address is refused unless it is public or its class is allowed by {@code --webhook-allow}:
 * {@code loopback} (127/8, ::1), {@code private} (10/8, 172.16/12, 192.168/16, 100.64/10,
 * fc00::/7, fec0::/10), {@code link-local} (169.254/16 with the cloud metadata address,
 * fe80::/10), or a CIDR. Some addresses are refused whatever is allowed: 0/8, ::, multicast
 * (224/4, ff00::/8), 240/4 with the broadcast address, 192.0.0/24 and 198.18/15. An IPv6 address
 * that carries an IPv4 address (mapped {@code ::ffff:a.b.c.d}, translated {@code ::ffff:0:a.b.c.d},
 * compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::/96} and {@code 64:ff9b:1::/48}, 6to4
 * {@code 2002::/16}, Teredo's client in {@code 2001::/32}) is
 * judged as that IPv4 address. Immutable.
 */
public final class TargetPolicy {
    /** The most a webhook URL may have, in characters. */
    public static final int MAX_URL_LENGTH = 2048;

    private enum Kind {
        LOOPBACK("loopback"),
        PRIVATE("private"),
        LINK_LOCAL("link-local");

        final String wire;

        Kind(String wire) {
            this.wire = wire;
        }
    }

    private static final List<Block> ALWAYS_REFUSED = List.of(
            Block.of("0.0.0.0/8", "not a destination"),
            Block.of("::/128", "not a destination"),
            Block.of("224.0.0.0/4", "multicast"),
            Block.of("ff00::/8", "multicast"),
            Block.of("240.0.0.0/4", "reserved"),
            Block.of("192.0.0.0/24", "reserved for protocol assignments"),
            Block.of("198.18.0.0/15", "reserved for benchmarking"));

    private static final List<Block> CLASSES = List.of(
            Block.of("127.0.0.0/8", Kind.LOOPBACK),
            Block.of("::1/128", Kind.LOOPBACK),
            Block.of("10.0.0.0/8", Kind.PRIVATE),
            Block.of("172.16.0.0/12", Kind.PRIVATE),
            Block.of("192.168.0.0/16", Kind.PRIVATE),
            Block.of("100.64.0.0/10", Kind.PRIVATE),
            Block.of("fc00::/7", Kind.PRIVATE),
            Block.of("fec0::/10", Kind.PRIVATE),
            Block.of("169.254.0.0/16", Kind.LINK_LOCAL),
            Block.of("fe80::/10", Kind.LINK_LOCAL));

    /** The policy with nothing allowed: public https targets only. */
    public static final TargetPolicy DEFAULT = new TargetPolicy(EnumSet.noneOf(Kind.class), List.of(), false);

    private final Set<Kind> allowedKinds;
    private final List<Block> allowedBlocks;
    private final boolean allowHttp;

    private TargetPolicy(Set<Kind> allowedKinds, List<Block> allowedBlocks, boolean allowHttp) {
        this.allowedKinds = allowedKinds;
        this.allowedBlocks = allowedBlocks;
        this.allowHttp = allowHttp;
    }

    /**
     * The policy of {@code --webhook-allow} items ({@code loopback}, {@code private},
     * {@code link-local}, IPv4 or IPv6 CIDRs such as {@code 10.1.0.0/16}; blank items are
     * skipped) and {@code --webhook-allow-http}.
     *
     * @throws IllegalArgumentException naming the first item that is none of these
     */
    public static TargetPolicy of(Collection<String> allow, boolean allowHttp) {
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        List<Block> blocks = new ArrayList<>();
        for (String raw : allow) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            Optional<Kind> kind = Arrays.stream(Kind.values())
                    .filter(k -> k.wire.equalsIgnoreCase(item))
                    .findFirst();
            if (kind.isPresent()) {
                kinds.add(kind.get());
            } else {
                blocks.add(Block.parse(item, "allowed")
                        .orElseThrow(() -> new IllegalArgumentException("--webhook-allow: '" + item
                                + "' is not loopback, private, link-local or a CIDR such as 10.0.0.0/8")));
            }
        }
        return new TargetPolicy(kinds, List.copyOf(blocks), allowHttp);
    }

    /** {@link #of} over a comma-separated list, as {@code --webhook-allow} takes it. */
    public static TargetPolicy parse(String commaList, boolean allowHttp) {
        return of(List.of(commaList.split(",", -1)), allowHttp);
    }

    /** Whether plain {@code http://} URLs are allowed. */
    public boolean allowHttp() {
        return allowHttp;
    }

    /**
     * Why a webhook must not be sent to {@code address} ({@code "127.0.0.1 is loopback"},
     * {@code "::ffff:10.0.0.7 is private (IPv4 10.0.0.7 inside)"}), or empty if it may.
     */
    public Optional<String> refusalOf(InetAddress address) {
        byte[] bytes = address.getAddress();
        Optional<byte[]> inner = embeddedIpv4(bytes);
        byte[] judged = inner.orElse(bytes);
        String name = NetUtil.toAddressString(address, true);
        String suffix = inner.map(v4 -> " (IPv4 " + ipv4(v4) + " inside)").orElse("");
        for (Block block : ALWAYS_REFUSED) {
            if (block.contains(judged) || block.contains(bytes)) {
                return Optional.of(name + " is " + block.label + suffix);
            }
        }
        if (allowedBlocks.stream().anyMatch(b -> b.contains(judged) || b.contains(bytes))) {
            return Optional.empty();
        }
        for (Block block : CLASSES) {
            if (block.contains(judged) && !allowedKinds.contains(block.kind)) {
                return Optional.of(name + " is " + block.label + suffix);
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code url} cannot be a webhook endpoint, or empty if it can: it must be absolute,
     * {@code https} (or {@code http} when allowed), with a host, without user info or fragment,
     * at most {@value #MAX_URL_LENGTH} characters, with a port in 1..65535; a host written as an
     * IP address is judged by {@link #refusalOf} here already.
     */
    public Optional<String> refusalOfUrl(URI url) {
        String text = url.toString();
        if (text.length() > MAX_URL_LENGTH) {
            return Optional.of("the URL is longer than " + MAX_URL_LENGTH + " characters");
        }
        if (!url.isAbsolute() || url.isOpaque()) {
            return Optional.of("the URL is not an absolute http(s) URL");
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("the URL's scheme is not https");
        }
        if (scheme.equals("http") && !allowHttp) {
            return Optional.of("plain http is not allowed, only https");
        }
        if (url.getRawUserInfo() != null) {
            return Optional.of("the URL carries user info");
        }
        if (url.getRawFragment() != null) {
            return Optional.of("the URL has a fragment");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            return Optional.of("the URL has no valid host");
        }
        if (url.getPort() != -1 && (url.getPort() < 1 || url.getPort() > 65535)) {
            return Optional.of("the URL's port is not in 1..65535");
        }
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(hostOf(url));
        if (literal != null) {
            try {
                return refusalOf(InetAddress.getByAddress(literal));
            } catch (UnknownHostException e) {
                return Optional.of("the URL's host is not a valid address");
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code url} cannot be a webhook endpoint now, or empty if it can: {@link #refusalOfUrl},
     * then every address its host resolves to by {@link #refusalOf}, as a request would find them
     * (blocking: a name lookup). A host that does not resolve yet is not refused here. An early
     * answer for whoever creates the endpoint; the check that counts is made on every connection.
     */
    public Optional<String> refusalOfTarget(URI url) {
        Optional<String> form = refusalOfUrl(url);
        if (form.isPresent()) {
            return form;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(hostOf(url))) {
                Optional<String> refused = refusalOf(address);
                if (refused.isPresent()) {
                    return Optional.of(
                            "the URL's host " + hostOf(url) + " resolves to a refused address: " + refused.get());
                }
            }
            return Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty(); // not yet, perhaps: each attempt resolves it again and logs why it failed
        }
    }

    /** The URL's host without the brackets of an IPv6 literal. */
    static String hostOf(URI url) {
        String host = url.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The IPv4 address an IPv6 address carries, if it is of a form that carries one. */
    private static Optional<byte[]> embeddedIpv4(byte[] v6) {
        if (v6.length != 16) {
            return Optional.empty();
        }
        if (zeros(v6, 0, 10) && (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff) {
            return Optional.of(slice(v6, 12)); // IPv4-mapped ::ffff:a.b.c.d
        }
        if (zeros(v6, 0, 12) && !(zeros(v6, 12, 15) && (v6[15] == 0 || v6[15] == 1))) {
            return Optional.of(slice(v6, 12)); // IPv4-compatible ::a.b.c.d (not :: or ::1)
        }
        if (zeros(v6, 0, 8) && (v6[8] & 0xff) == 0xff && (v6[9] & 0xff) == 0xff && zeros(v6, 10, 12)) {
            return Optional.of(slice(v6, 12)); // IPv4-translated ::ffff:0:a.b.c.d
        }
        if (v6[0] == 0 && v6[1] == 0x64 && (v6[2] & 0xff) == 0xff && (v6[3] & 0xff) == 0x9b) {
            if (zeros(v6, 4, 12) || (v6[4] == 0 && v6[5] == 1)) {
                return Optional.of(slice(v6, 12)); // NAT64 64:ff9b::a.b.c.d and 64:ff9b:1::/48 (its /96 form)
            }
        }
        if (v6[0] == 0x20 && v6[1] == 0x02) {
            return Optional.of(slice(v6, 2)); // 6to4 2002:aabb:ccdd::/48
        }
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0 && v6[3] == 0) {
            byte[] client = slice(v6, 12); // Teredo: the client's IPv4, inverted
            for (int i = 0; i < 4; i++) {
                client[i] = (byte) ~client[i];
            }
            return Optional.of(client);
        }
        return Optional.empty();
    }

    private static boolean zeros(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] bytes, int from) {
        byte[] v4 = new byte[4];
        System.arraycopy(bytes, from, v4, 0, 4);
        return v4;
    }

    private static String ipv4(byte[] v4) {
        return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }

    /** An address block: network bytes, prefix length, and what it is called. */
    private record Block(byte[] network, int prefix, String label, Kind kind) {
        static Block of(String cidr, String label) {
            return parse(cidr, label).orElseThrow();
        }

        static Block of(String cidr, Kind kind) {
            Block block = of(cidr, kind.wire);
            return new Block(block.network, block.prefix, kind.wire, kind);
        }

        /** A CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}) or a single address. */
        static Optional<Block> parse(String cidr, String label) {
            int slash = cidr.indexOf('/');
            String address = slash < 0 ? cidr : cidr.substring(0, slash);
            byte[] network = address.contains("%") ? null : NetUtil.createByteArrayFromIpAddressString(address);
            if (network == null) {
                return Optional.empty();
            }
            int max = network.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (prefix < 0 || prefix > max) {
                return Optional.empty();
            }
            return Optional.of(new Block(network, prefix, label, null));
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
