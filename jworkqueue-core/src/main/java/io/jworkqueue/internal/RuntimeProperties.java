package io.jworkqueue.internal;

import io.jworkqueue.AffinityScope;
import io.jworkqueue.WorkqueueRuntime;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code jworkqueue.*} system properties that configure the global runtime (documented on
 * {@code WorkqueueRuntime.global()}): reading each, parsing it, and naming the property, its value
 * and what is allowed when it is bad. The settings themselves go through the public builder, so
 * their checks are the builder's.
 */
public final class RuntimeProperties {
    private RuntimeProperties() {}

    /**
     * Applies the properties that are set to {@code b}.
     *
     * @param b the builder to configure
     * @param properties looks a property up by name; null if unset
     * @return {@code b}
     * @throws IllegalArgumentException naming the property, its value and the allowed values
     */
    public static WorkqueueRuntime.Builder apply(WorkqueueRuntime.Builder b, Function<String, String> properties) {
        property(properties, "jworkqueue.cpus", "an integer 1..4096", v -> b.cpus(Integer.parseInt(v)));
        durationProperty(properties, "jworkqueue.cpuIntensiveThreshold", "a positive duration", b::cpuIntensiveThreshold);
        durationProperty(properties, "jworkqueue.watchdogThreshold", "a duration >= 0 (0 = off)", b::watchdogThreshold);
        durationProperty(properties, "jworkqueue.idleWorkerTimeout", "a positive duration", b::idleWorkerTimeout);
        durationProperty(properties, "jworkqueue.createCooldown", "a positive duration", b::createCooldown);
        booleanProperty(properties, "jworkqueue.powerEfficient", b::powerEfficient);
        property(properties, "jworkqueue.affinityScope", "one of cpu, smt, cache, numa, system",
                v -> b.defaultAffinityScope(AffinityScope.ofSysfsName(v)));
        booleanProperty(properties, "jworkqueue.virtualUnboundWorkers", b::virtualUnboundWorkers);
        booleanProperty(properties, "jworkqueue.pinWorkers", b::pinWorkers);
        return b;
    }

    private static void booleanProperty(Function<String, String> properties, String name, Consumer<Boolean> setter) {
        property(properties, name, "true or false", v -> {
            if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("not a boolean");
            }
            setter.accept(Boolean.parseBoolean(v));
        });
    }

    private static void durationProperty(Function<String, String> properties, String name, String allowed,
                                         Consumer<Duration> setter) {
        property(properties, name, allowed + ", as ISO-8601 (PT30S) or a number with a unit ns, us, ms, s, m, h, d"
                + " (a plain number is milliseconds)", v -> setter.accept(parseDuration(v)));
    }

    private static void property(Function<String, String> properties, String name, String allowed,
                                 Consumer<String> apply) {
        String raw = properties.apply(name);
        if (raw == null) {
            return;
        }
        try {
            apply.accept(raw.strip());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("system property " + name + "=\"" + raw + "\" is invalid ("
                    + (e instanceof NumberFormatException || e instanceof DateTimeParseException
                            ? "cannot parse it" : e.getMessage())
                    + "); allowed: " + allowed, e);
        }
    }

    /**
     * Parses a duration property: ISO-8601 ({@code PT30S}), or a whole number with a unit
     * {@code ns, us, ms, s, m, h, d}; a plain number is milliseconds.
     *
     * @param v the property's value, stripped
     * @return the duration
     * @throws IllegalArgumentException if {@code v} is neither
     */
    public static Duration parseDuration(String v) {
        if (!v.isEmpty() && (v.charAt(0) == 'P' || v.charAt(0) == 'p' || v.startsWith("-P") || v.startsWith("-p"))) {
            return Duration.parse(v);
        }
        int i = 0;
        if (i < v.length() && (v.charAt(i) == '-' || v.charAt(i) == '+')) {
            i++;
        }
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        long n = Long.parseLong(v.substring(0, i));
        ChronoUnit unit = switch (v.substring(i).strip()) {
            case "", "ms" -> ChronoUnit.MILLIS;
            case "ns" -> ChronoUnit.NANOS;
            case "us" -> ChronoUnit.MICROS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            case "d" -> ChronoUnit.DAYS;
            default -> throw new IllegalArgumentException("unknown unit '" + v.substring(i).strip() + "'");
        };
        return Duration.of(n, unit);
    }
}
