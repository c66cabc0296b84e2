package io.jworkqueue;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Captures what the library logs while open: the messages (formatted) of every record logged on
 * the {@code io.jworkqueue} logger. Open it in {@code @BeforeEach} or a try-with-resources.
 *
 * <p>The library logs through {@link System.Logger} "io.jworkqueue"; the JDK's default backend is
 * java.util.logging. The module io.jworkqueue does not read java.logging, so this reaches it
 * reflectively (tests run on the class path) and installs a java.util.logging.Filter proxy on
 * that logger: it sees every record logged there and lets it pass.
 */
final class LogCapture implements AutoCloseable {
    /** Strong reference: java.util.logging keeps loggers weakly and would drop the filter. */
    private final Object julLogger;
    private final Object previousFilter;
    private final Method setFilter;
    /** The messages logged so far, formatted, with the thrown exception's text appended. */
    final List<String> records = new CopyOnWriteArrayList<>();

    LogCapture() throws Exception {
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> filterClass = Class.forName("java.util.logging.Filter");
        julLogger = loggerClass.getMethod("getLogger", String.class).invoke(null, "io.jworkqueue");
        previousFilter = loggerClass.getMethod("getFilter").invoke(julLogger);
        setFilter = loggerClass.getMethod("setFilter", filterClass);
        Object filter = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {filterClass},
                (proxy, m, args) -> switch (m.getName()) {
                    case "isLoggable" -> {
                        records.add(messageOf(args[0]));
                        yield true;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "capture-filter";
                });
        setFilter.invoke(julLogger, filter);
    }

    private static String messageOf(Object logRecord) throws Exception {
        String m = (String) logRecord.getClass().getMethod("getMessage").invoke(logRecord);
        Object[] p = (Object[]) logRecord.getClass().getMethod("getParameters").invoke(logRecord);
        if (m != null && p != null && p.length > 0) {
            m = MessageFormat.format(m, p);
        }
        Object thrown = logRecord.getClass().getMethod("getThrown").invoke(logRecord);
        return String.valueOf(m) + (thrown != null ? " | " + thrown : "");
    }

    /** @return the records that contain {@code text} */
    List<String> containing(String text) {
        return records.stream().filter(r -> r.contains(text)).toList();
    }

    @Override
    public void close() throws Exception {
        setFilter.invoke(julLogger, previousFilter);
    }
}
