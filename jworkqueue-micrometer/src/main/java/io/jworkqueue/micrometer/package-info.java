/** Micrometer metrics for jworkqueue: {@link io.jworkqueue.micrometer.JworkqueueMetrics}. */
package io.jworkqueue.micrometer;
