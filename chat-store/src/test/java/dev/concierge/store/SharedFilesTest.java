package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster's copy of the edited files, on a real PostgreSQL: a version is stored only on the
 * latest one (compare and set), by two connections as by two nodes.
 */
final class SharedFilesTest {
    private MigratedSchema schema;
    private String url;

    @BeforeEach
    void createSchema() throws Exception {
        schema = MigratedSchema.create("shared_files_test");
        url = schema.url();
    }

    @AfterEach
    void dropSchema() throws Exception {
        schema.close();
    }

    @Test
    void aVersionIsStoredOnlyOnTheLatest_soOfTwoEditsOnTheSameVersionOneIsRefused() {
        try (SharedFiles n1 = SharedFiles.postgres(url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD);
                SharedFiles n2 = SharedFiles.postgres(url, PostgresStoreTest.USER, PostgresStoreTest.PASSWORD)) {
            assertThat(n1.read("faq")).isEmpty();
            assertThat(n1.replace("faq", 0, "one")).hasValue(1);
            assertThat(n2.replace("faq", 0, "two"))
                    .as("version 1 exists already")
                    .isEmpty();
            assertThat(n2.replace("faq", 1, "two")).hasValue(2);
            assertThat(n1.replace("faq", 1, "three"))
                    .as("made on version 1, but 2 is the latest")
                    .isEmpty();
            assertThat(n1.read("faq")).hasValueSatisfying(s -> {
                assertThat(s.version()).isEqualTo(2);
                assertThat(s.content()).isEqualTo("two");
            });
            assertThat(n1.replace("agents", 0, "team"))
                    .as("each file has its own versions")
                    .hasValue(1);
        }
    }
}
