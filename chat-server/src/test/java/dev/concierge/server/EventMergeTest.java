package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When {@link EventMerge} asks for a merge; the merge itself is tested on both engines in
 * {@link StoreMergeContractTest}.
 */
final class EventMergeTest {

    @Test
    void due_onceThresholdRowsAreCommitted_notBefore_andNotForUncommittedOrRolledBackRows() {
        EventMerge merge = new EventMerge(3);
        assertThat(merge.pending()).isFalse();
        assertThat(merge.nanosUntilDue()).isEqualTo(Long.MAX_VALUE); // nothing waits: sleep until work comes

        merge.added();
        merge.added();
        merge.added();
        assertThat(merge.due()).isFalse(); // not committed yet
        merge.rolledBack();
        merge.committed();
        assertThat(merge.pending()).isFalse();

        merge.added();
        merge.added();
        merge.committed();
        assertThat(merge.pending()).isTrue();
        assertThat(merge.due()).isFalse(); // 2 of 3, and the oldest has not waited a second
        assertThat(merge.nanosUntilDue()).isPositive().isLessThanOrEqualTo(EventMerge.MAX_AGE_MILLIS * 1_000_000);

        merge.added();
        merge.committed();
        assertThat(merge.due()).isTrue();
        assertThat(merge.nanosUntilDue()).isZero();
    }

    @Test
    void due_whenTheOldestRowHasWaitedMaxAge_evenBelowTheThreshold() throws InterruptedException {
        EventMerge merge = new EventMerge(1_000);
        merge.added();
        merge.committed();
        assertThat(merge.due()).isFalse();
        Thread.sleep(EventMerge.MAX_AGE_MILLIS + 50);
        assertThat(merge.due()).isTrue();
    }
}
