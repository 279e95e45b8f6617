/** The benchmark: load clients, the echo baseline and the report. */
package dev.concierge.bench;
