package dev.concierge.server.attach;

import dev.concierge.protocol.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scans uploads with a clamd daemon (ClamAV) over TCP, with its INSTREAM command
 * (docs/attachments.md): {@code zINSTREAM\0}, the file in chunks each led by its length as 4
 * bytes big-endian, a zero length to end, then one answer, {@code stream: OK} or
 * {@code stream: <signature> FOUND}. Fails closed: when clamd cannot be reached, does not answer
 * within the timeout or answers anything else, the upload is refused with {@code 503 busy} rather
 * than stored unscanned. Blocks: call it off the event loops.
 */
public final class VirusScanner {
    /** How long connecting, each write and the wait for the answer may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(VirusScanner.class);
    private static final int CHUNK = 64 * 1024;
    /** The longest answer read; clamd's are a line of well under 200 bytes. */
    private static final int MAX_ANSWER = 1024;

    private final InetSocketAddress address;
    private final int timeoutMillis;

    /**
     * A scanner that asks the clamd at {@code address}, giving up after {@code timeout} of silence.
     *
     * @param address clamd's TCP address (its {@code TCPSocket} and {@code TCPAddr})
     * @param timeout how long connecting, and then each read or write, may wait (1 ms to 10 minutes)
     */
    public VirusScanner(InetSocketAddress address, Duration timeout) {
        this.address = Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("timeout must be between 1 ms and 10 minutes");
        }
        this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
    }

    /** The scanner {@code settings} ask for, with {@link #DEFAULT_TIMEOUT}; empty when no clamd is set (scanning off). */
    public static Optional<VirusScanner> of(AttachmentSettings settings) {
        return settings.clamd().map(address -> new VirusScanner(address, DEFAULT_TIMEOUT));
    }

    /**
     * Scans {@code file}; returns normally when clamd finds it clean.
     *
     * @throws FileInspector.Refusal {@code 415 unsupported_type} when clamd finds a signature in it,
     *     {@code 503 busy} when clamd cannot be asked or gives no clear answer
     */
    public void check(Path file) throws FileInspector.Refusal {
        String answer;
        try {
            answer = ask(file);
        } catch (IOException e) {
            LOG.warn("virus scanner at {} not usable, upload refused: {}", address, e.toString());
            throw new FileInspector.Refusal(503, ErrorCode.BUSY, "the virus scanner is not available; try again later");
        }
        if (answer.equals("stream: OK")) {
            return;
        }
        if (answer.startsWith("stream: ") && answer.endsWith(" FOUND")) {
            String signature = answer.substring("stream: ".length(), answer.length() - " FOUND".length());
            LOG.warn("virus scanner found {} in an upload, refused", signature);
            throw new FileInspector.Refusal(415, ErrorCode.UNSUPPORTED_TYPE, "the virus scanner refused this file");
        }
        LOG.warn("virus scanner at {} answered an error, upload refused: {}", address, answer);
        throw new FileInspector.Refusal(
                503, ErrorCode.BUSY, "the virus scanner could not scan this file; try again later");
    }

    /** clamd's answer for {@code file}, without the terminating NUL or newline. */
    private String ask(Path file) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[4 + CHUNK];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.readNBytes(chunk, 4, CHUNK)) > 0) {
                    writeLength(chunk, n);
                    out.write(chunk, 0, 4 + n);
                }
            }
            writeLength(chunk, 0);
            out.write(chunk, 0, 4);
            out.flush();
            return readAnswer(socket.getInputStream());
        }
    }

    private static void writeLength(byte[] chunk, int length) {
        chunk[0] = (byte) (length >>> 24);
        chunk[1] = (byte) (length >>> 16);
        chunk[2] = (byte) (length >>> 8);
        chunk[3] = (byte) length;
    }

    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) > 0 && b != '\n') {
            if (answer.size() == MAX_ANSWER) {
                throw new IOException("answer longer than " + MAX_ANSWER + " bytes");
            }
            answer.write(b);
        }
        if (answer.size() == 0) {
            throw new IOException("no answer");
        }
        return answer.toString(StandardCharsets.US_ASCII);
    }
}
