package dev.concierge.server.support;

import java.util.function.Supplier;

/**
 * Where the run-time edits of a file go (the FAQ from the console, the agents file from the admin
 * API). On a single server an edit rewrites the file and that is all; in a cluster the edit is
 * made on the cluster's latest version of the file and reaches every node (docs/scaling.md).
 */
public interface FileEdits {
    /**
     * Runs {@code edit}, which reads the file, may rewrite it and returns what it did.
     *
     * @throws Refused if the edit could not be shared (the file was then left as before)
     */
    <T> T edit(Supplier<T> edit);

    /** The edits of a single server: the edit alone. */
    static FileEdits local() {
        return new FileEdits() {
            @Override
            public <T> T edit(Supplier<T> edit) {
                return edit.get();
            }
        };
    }

    /** An edit that was not made, with a message for the person who made it. */
    final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final boolean tooLarge;

        /** Refused because the file would be too large ({@code tooLarge}), or for now (try again). */
        public Refused(String message, boolean tooLarge) {
            super(message);
            this.tooLarge = tooLarge;
        }

        /** True if the file would be too large to share; false if the edit may succeed later. */
        public boolean tooLarge() {
            return tooLarge;
        }
    }
}
