package io.jworkqueue;

import java.util.BitSet;
import java.util.Objects;

/**
 * The attributes of an unbound workqueue, the kernel's {@code workqueue_attrs}: the nice value
 * of its workers, the CPUs it may run on, its {@linkplain AffinityScope affinity scope} and
 * whether that scope is strict. Immutable; unbound workqueues with equal attributes share pools.
 * Applied with {@link Workqueue#applyAttrs(WorkqueueAttrs)}.
 */
public final class WorkqueueAttrs {
    /** The lowest (most favoured) nice value. */
    public static final int MIN_NICE = -20;
    /** The highest nice value. */
    public static final int MAX_NICE = 19;

    private static final WorkqueueAttrs DEFAULTS = builder().build();

    private final int nice;
    private final BitSet cpus; // empty = every CPU of the runtime
    private final AffinityScope affinityScope;
    private final boolean affinityStrict;

    private WorkqueueAttrs(Builder b) {
        this.nice = b.nice;
        this.cpus = (BitSet) b.cpus.clone();
        this.affinityScope = b.affinityScope;
        this.affinityStrict = b.affinityStrict;
    }

    /** @return a builder with the defaults: nice 0, every CPU, {@link AffinityScope#DEFAULT}, not strict */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the default attributes (nice 0, every CPU, the runtime's default scope, not strict) */
    public static WorkqueueAttrs defaults() {
        return DEFAULTS;
    }

    /** @return a builder starting from these attributes */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.nice = nice;
        b.cpus = (BitSet) cpus.clone();
        b.affinityScope = affinityScope;
        b.affinityStrict = affinityStrict;
        return b;
    }

    /** @return the nice value of the workers, {@value #MIN_NICE}..{@value #MAX_NICE} */
    public int nice() {
        return nice;
    }

    /** @return a copy of the runtime CPUs the workqueue may use; empty means all of them */
    public BitSet cpus() {
        return (BitSet) cpus.clone();
    }

    /** @return the affinity scope */
    public AffinityScope affinityScope() {
        return affinityScope;
    }

    /** @return whether workers stay inside the issuing CPU's pod ({@code affinity_strict}) */
    public boolean affinityStrict() {
        return affinityStrict;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkqueueAttrs a && a.nice == nice && a.cpus.equals(cpus)
                && a.affinityScope == affinityScope && a.affinityStrict == affinityStrict;
    }

    @Override
    public int hashCode() {
        return Objects.hash(nice, cpus, affinityScope, affinityStrict);
    }

    /** The sysfs-like rendering: {@code nice=0 cpus=all scope=cache strict=0}. */
    @Override
    public String toString() {
        return "nice=" + nice + " cpus=" + (cpus.isEmpty() ? "all" : cpuList(cpus))
                + " scope=" + affinityScope.sysfsName() + " strict=" + (affinityStrict ? 1 : 0);
    }

    /** Renders a CPU set as a Linux CPU list ({@code 0-3,6}). */
    static String cpuList(BitSet cpus) {
        return io.jworkqueue.internal.CpuPinning.list(cpus);
    }

    /** Builds {@link WorkqueueAttrs}; every setter validates at once. */
    public static final class Builder {
        private int nice;
        private BitSet cpus = new BitSet();
        private AffinityScope affinityScope = AffinityScope.DEFAULT;
        private boolean affinityStrict;

        private Builder() {}

        /**
         * @param nice {@value #MIN_NICE}..{@value #MAX_NICE}; lower runs the workers at higher thread priority
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder nice(int nice) {
            if (nice < MIN_NICE || nice > MAX_NICE) {
                throw new IllegalArgumentException("nice " + nice + " is out of range [" + MIN_NICE + ", " + MAX_NICE + "]");
            }
            this.nice = nice;
            return this;
        }

        /**
         * @param cpus the runtime CPUs (indexes {@code 0..cpus()-1}) the workqueue may use; empty
         *     means all. Checked against the runtime when applied
         * @return this builder
         * @throws NullPointerException if {@code cpus} is null
         */
        public Builder cpus(BitSet cpus) {
            this.cpus = (BitSet) Objects.requireNonNull(cpus, "cpus").clone();
            return this;
        }

        /**
         * @param scope the affinity scope
         * @return this builder
         * @throws NullPointerException if {@code scope} is null
         */
        public Builder affinityScope(AffinityScope scope) {
            this.affinityScope = Objects.requireNonNull(scope, "affinityScope");
            return this;
        }

        /**
         * @param strict whether workers stay strictly inside the pod
         * @return this builder
         */
        public Builder affinityStrict(boolean strict) {
            this.affinityStrict = strict;
            return this;
        }

        /** @return the attributes */
        public WorkqueueAttrs build() {
            return new WorkqueueAttrs(this);
        }
    }
}
