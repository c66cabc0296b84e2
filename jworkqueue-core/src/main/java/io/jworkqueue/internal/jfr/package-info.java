/**
 * JFR events mirroring the kernel's workqueue tracepoints; see {@link io.jworkqueue.internal.jfr.Jfr}.
 * Exported to {@code jdk.jfr} only, which needs access to the event classes.
 */
package io.jworkqueue.internal.jfr;
