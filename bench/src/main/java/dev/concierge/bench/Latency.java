package dev.concierge.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies recorded from any event loop (HdrHistogram's wait-free {@link Recorder}), read per
 * measurement window so warm-up samples are dropped.
 */
final class Latency {
    private final Recorder recorder = new Recorder(3);
    private long windowStart = System.nanoTime();

    /** Records one sample, in nanoseconds. */
    void record(long nanos) {
        recorder.recordValue(Math.max(0, nanos));
    }

    /** Drops everything recorded so far and starts the measurement window now. */
    void startWindow() {
        recorder.getIntervalHistogram();
        windowStart = System.nanoTime();
    }

    /** The samples since {@link #startWindow()}. */
    Stats endWindow() {
        Histogram h = recorder.getIntervalHistogram();
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        return Stats.of(h, seconds);
    }

    /**
     * Figures of one window. Latencies are in microseconds.
     *
     * @param count samples in the window
     * @param perSecond samples per second over the window
     * @param p50Us median
     * @param p99Us 99th percentile
     * @param p999Us 99.9th percentile
     * @param maxUs largest sample
     */
    record Stats(long count, double perSecond, double p50Us, double p99Us, double p999Us, double maxUs) {
        static Stats of(Histogram h, double seconds) {
            long n = h.getTotalCount();
            if (n == 0) {
                return new Stats(0, 0, 0, 0, 0, 0);
            }
            return new Stats(
                    n,
                    seconds > 0 ? n / seconds : 0,
                    us(h.getValueAtPercentile(50)),
                    us(h.getValueAtPercentile(99)),
                    us(h.getValueAtPercentile(99.9)),
                    us(h.getMaxValue()));
        }

        private static double us(long nanos) {
            return Math.round(nanos / 100.0) / 10.0;
        }
    }
}
