package dev.concierge.bench;

import java.util.List;

/**
 * Everything one bench run measured, as printed in the table and written as JSON.
 *
 * @param environment where and how it ran
 * @param baseline the echo baseline at each relay size
 * @param relay relay at each size
 * @param comparison relay against the baseline at the same size, one per round ({@code --repeat})
 * @param median per relay size, the median of the rounds' ratios (the one ratio when there is one round)
 * @param bot the bot at one visitor and at many
 * @param handoff handoff at each transcript length
 * @param capacity idle visitors' cost
 * @param cluster the cluster phase ({@code --nodes}), or null
 * @param notes what the reader must know to read the figures right
 */
record BenchResult(
        Environment environment,
        List<BaselinePhase.Result> baseline,
        List<RelayPhase.Result> relay,
        List<Comparison> comparison,
        List<Comparison> median,
        List<BotPhase.Result> bot,
        List<HandoffPhase.Result> handoff,
        CapacityPhase.Result capacity,
        ClusterPhase.Result cluster,
        List<String> notes) {

    /**
     * The machine, the build and the settings of a run.
     *
     * @param commit {@code git rev-parse --short HEAD}, with {@code +dirty} for uncommitted changes
     * @param cores available processors
     * @param memoryBytes physical memory
     * @param cpu CPU model
     * @param os operating system and kernel
     * @param java Java runtime version
     * @param serverJvmFlags flags of the server and baseline JVMs
     * @param durationSeconds measurement time per phase
     * @param warmupSeconds warm-up before each measurement
     * @param smoke whether this was a smoke run
     * @param faqEntries size of the knowledge base (0: the server's sample)
     * @param clientThreads event loop threads of the load clients
     * @param loadBefore the machine's 1-minute load average when the run started (other work shares the cores)
     * @param loadAfter the same when it ended
     * @param fsyncP50Us median fsync of a small write where the servers keep their data
     * @param fsyncP99Us its 99th percentile
     * @param runSeconds wall time of the whole run
     * @param repeat rounds of baseline and relay, alternating
     * @param protocol the protocol version the load clients said hello with
     */
    record Environment(
            String commit,
            int cores,
            long memoryBytes,
            String cpu,
            String os,
            String java,
            List<String> serverJvmFlags,
            double durationSeconds,
            double warmupSeconds,
            boolean smoke,
            int faqEntries,
            int clientThreads,
            double loadBefore,
            double loadAfter,
            double fsyncP50Us,
            double fsyncP99Us,
            double runSeconds,
            int repeat,
            int protocol) {}

    /**
     * Relay against the echo baseline at the same number of concurrent message streams.
     *
     * @param conversations conversations (relay) and connections (baseline)
     * @param throughputRatio relay messages/s over echo messages/s
     * @param p99Ratio relay p99 over echo p99
     */
    record Comparison(int conversations, double throughputRatio, double p99Ratio) {}
}
