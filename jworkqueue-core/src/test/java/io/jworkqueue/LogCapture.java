package io.jworkqueue;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Captures what the library logs through System.Logger "io.jworkqueue" (the JDK's default
 * backend is java.util.logging, reached reflectively since the module does not read
 * java.logging; tests run on the class path), formatted as the user would read it. Records still
 * pass on to the usual handlers. Close it (try-with-resources) to detach.
 */
final class LogCapture implements AutoCloseable {
    /** Strong reference: java.util.logging keeps loggers weakly and would drop the filter. */
    private final Object julLogger;
    private final Object previousFilter;
    private final Method setFilter;
    private final List<String> records = new CopyOnWriteArrayList<>();

    LogCapture() throws Exception {
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> filterClass = Class.forName("java.util.logging.Filter");
        julLogger = loggerClass.getMethod("getLogger", String.class).invoke(null, "io.jworkqueue");
        previousFilter = loggerClass.getMethod("getFilter").invoke(julLogger);
        setFilter = loggerClass.getMethod("setFilter", filterClass);
        Object filter = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {filterClass},
                (proxy, m, args) -> switch (m.getName()) {
                    case "isLoggable" -> {
                        records.add(format(args[0]));
                        yield true;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "log-capture";
                });
        setFilter.invoke(julLogger, filter);
    }

    /** A record's message as printed: MessageFormat applied when it has parameters. */
    private static String format(Object logRecord) throws Exception {
        String m = (String) logRecord.getClass().getMethod("getMessage").invoke(logRecord);
        Object[] p = (Object[]) logRecord.getClass().getMethod("getParameters").invoke(logRecord);
        if (m != null && p != null && p.length > 0) {
            m = MessageFormat.format(m, p);
        }
        return String.valueOf(m);
    }

    /** @return the messages logged so far that contain {@code text} */
    List<String> containing(String text) {
        List<String> l = new ArrayList<>();
        for (String r : records) {
            if (r.contains(text)) {
                l.add(r);
            }
        }
        return l;
    }

    @Override
    public void close() throws Exception {
        setFilter.invoke(julLogger, previousFilter);
    }
}
