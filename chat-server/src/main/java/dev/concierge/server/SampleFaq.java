package dev.concierge.server;

import dev.concierge.server.support.ServerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The sample FAQ that ships in the server's jar, for a server started without {@code --faq}. */
final class SampleFaq {
    private static final String RESOURCE = "/sample-faq/shop-faq.json";

    private SampleFaq() {}

    /**
     * The embedded sample FAQ as a file (the bot watches files): in the data directory if any.
     * FAQ edits from the console go to this copy, so a copy already there (with its edits) is
     * kept; delete it to start again from the sample.
     */
    static Path extract(Path dataDir) {
        try (InputStream in = SampleFaq.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new ServerException("the sample FAQ is missing from the classpath: " + RESOURCE);
            }
            Path file;
            if (dataDir != null) {
                Files.createDirectories(dataDir);
                file = dataDir.resolve("sample-faq.json");
                if (Files.isRegularFile(file)) {
                    return file;
                }
                // Whole or not at all: a half-written copy would stop the next start.
                Path part = Files.createTempFile(dataDir, "sample-faq", ".part");
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
                return file;
            }
            file = Files.createTempFile("concierge-sample-faq", ".json");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new ServerException("cannot extract the sample FAQ", e);
        }
    }
}
