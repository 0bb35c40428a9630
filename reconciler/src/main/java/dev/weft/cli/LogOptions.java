package dev.weft.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-format} and {@code --log-level} of the daemons (agent, reconcile, up): their logs go to
 * stderr through Logback, one line of text or one JSON object per event (with an {@code mdc} object holding the
 * {@code revision} and {@code host} the event is about, where it is about one). Other commands keep Logback's
 * default from {@code logback.xml}: warnings and errors only, so their output stays what they print.
 */
public final class LogOptions {

    enum Format { text, json }

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json, one event per line on stderr (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info", description = "error, warn, info, debug or trace for Weft's own logs (default: ${DEFAULT-VALUE}).")
    String level;

    /** Replaces the default configuration with the chosen format and level. */
    void apply() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMDC(true); // "mdc": {"revision": …, "host": …} where the event is about one
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            encoder = json;
        } else {
            PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n");
            encoder = pattern;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console);
        context.getLogger("dev.weft").setLevel(Level.toLevel(level, Level.INFO));
    }
}
