package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When {@link EventMerge} asks for a merge; the merge itself is tested on both engines in
 * {@link StoreMergeContractTest}.
 */
final class EventMergeTest {
    private static final long MAX_AGE = EventMerge.MAX_AGE_MILLIS * 1_000_000;
    private static final long T0 = 1_000_000_000L;

    @Test
    void due_onceThresholdRowsAreOnDisk_notBefore() {
        EventMerge merge = new EventMerge(3);
        merge.start(0, 0, T0);
        assertThat(merge.nanosUntilDue(T0)).isEqualTo(Long.MAX_VALUE); // nothing waits: sleep until work comes

        assertThat(merge.durable(2, T0)).isTrue(); // the first rows to wait: the merger looks at the clock again
        assertThat(merge.nanosUntilDue(T0 + 5)).isEqualTo(MAX_AGE - 5); // 2 of 3, and the oldest is young
        assertThat(merge.durable(2, T0 + 10)).isFalse(); // nothing new

        assertThat(merge.durable(3, T0 + 20)).isTrue(); // the threshold
        assertThat(merge.nanosUntilDue(T0 + 20)).isZero();

        merge.merged(3, T0 + 30);
        assertThat(merge.mark()).isEqualTo(3);
        assertThat(merge.nanosUntilDue(T0 + 30)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void due_whenTheOldestRowHasWaitedMaxAge_evenBelowTheThreshold() {
        EventMerge merge = new EventMerge(1_000);
        merge.start(10, 10, T0);
        merge.durable(11, T0);
        assertThat(merge.nanosUntilDue(T0 + MAX_AGE - 1)).isEqualTo(1);
        assertThat(merge.nanosUntilDue(T0 + MAX_AGE)).isZero();

        merge.merged(11, T0 + MAX_AGE); // rows that come after a merge wait from then
        merge.durable(12, T0 + MAX_AGE + 5);
        assertThat(merge.nanosUntilDue(T0 + MAX_AGE + 5)).isEqualTo(MAX_AGE);
    }

    @Test
    void rowsThatCameDuringAMerge_waitFromItsEnd_andAFailedMergeWaitsToBeRetried() {
        EventMerge merge = new EventMerge(5);
        merge.start(0, 7, T0); // an earlier run left 7 rows
        assertThat(merge.nanosUntilDue(T0)).isZero();
        merge.merged(4, T0 + 100); // the merge took what was on disk when it began; 3 more waited
        assertThat(merge.nanosUntilDue(T0 + 100)).isEqualTo(MAX_AGE);

        merge.durable(20, T0 + 200);
        merge.failed(T0 + 300);
        assertThat(merge.nanosUntilDue(T0 + 300)).isEqualTo(EventMerge.RETRY_MILLIS * 1_000_000);
        assertThat(merge.nanosUntilDue(T0 + 300 + EventMerge.RETRY_MILLIS * 1_000_000))
                .isZero();
    }
}
