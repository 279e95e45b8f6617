package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The attachment contract on the embedded store: bytes in files under the data directory. */
final class SqliteAttachmentStoreTest extends AttachmentStoreContractTest {
    private Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    void createDatabase() {
        // the store creates concierge.db in the data directory
    }

    @Override
    void dropDatabase() {
        // @TempDir removes the directory
    }

    @Override
    JdbcDatabase database() {
        return JdbcDatabase.sqlite(dataDir());
    }

    @Override
    Connection rawConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dataDir().resolve(JdbcDatabase.SQLITE_FILE));
    }

    @Override
    boolean bytesStored(String sha256) {
        return Files.exists(filePath(sha256));
    }

    private Path filePath(String sha256) {
        return dataDir().resolve("attachments").resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    @Test
    void bytesLiveInAFileNamedByTheirSha256_underTheDataDirectory() throws Exception {
        String sha = put("a scanned invoice");

        assertThat(Files.readString(filePath(sha))).isEqualTo("a scanned invoice");
        try (var left = Files.list(dataDir().resolve("attachments/tmp"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void halfWrittenFilesACrashLeftInTmp_areDeletedWhenTheStoreOpens() throws Exception {
        String sha = put("kept");
        Path tmp = dataDir().resolve("attachments/tmp");
        Path left = Files.writeString(tmp.resolve("put-123.part"), "half of a file");
        store.close();

        reopen();

        assertThat(left).doesNotExist();
        assertThat(read(sha)).isEqualTo("kept");
    }
}
