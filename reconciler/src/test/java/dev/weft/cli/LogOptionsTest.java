package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The daemons' --log-format json: one JSON object per event on stderr, with the message formatted. */
class LogOptionsTest {

    @Test
    void jsonLogsAreOneObjectPerLineAndTextLogsOneLine() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LogOptions json = new LogOptions();
            json.format = LogOptions.Format.json;
            json.level = "info";
            json.apply();
            LoggerFactory.getLogger("dev.weft.test").info("applied {} operations", 13);
            LoggerFactory.getLogger("dev.weft.test").debug("not at info");
            LoggerFactory.getLogger("org.other").info("other libraries log warnings only");
            String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
            assertThat(lines).hasSize(1);
            JsonNode event = JsonMapper.builder().build().readTree(lines[0]);
            assertThat(event.get("level").asString()).isEqualTo("INFO");
            assertThat(event.get("loggerName").asString()).isEqualTo("dev.weft.test");
            assertThat(event.get("formattedMessage").asString()).isEqualTo("applied 13 operations");

            captured.reset();
            try (var host = org.slf4j.MDC.putCloseable("host", "host-a"); var revision = org.slf4j.MDC.putCloseable("revision", "3f2a1bc")) {
                LoggerFactory.getLogger("dev.weft.test").info("host-a is Synced");
            }
            JsonNode about = JsonMapper.builder().build().readTree(captured.toString(StandardCharsets.UTF_8).strip());
            assertThat(about.at("/mdc/host").asString()).isEqualTo("host-a");
            assertThat(about.at("/mdc/revision").asString()).isEqualTo("3f2a1bc");

            captured.reset();
            LogOptions text = new LogOptions();
            text.format = LogOptions.Format.text;
            text.level = "debug";
            text.apply();
            LoggerFactory.getLogger("dev.weft.test").debug("now at debug");
            assertThat(captured.toString(StandardCharsets.UTF_8)).matches("(?s)\\S+ DEBUG test: now at debug\\R");
        } finally {
            System.setErr(stderr);
            LogOptions reset = new LogOptions();
            reset.format = LogOptions.Format.text;
            reset.level = "warn";
            reset.apply();
        }
    }
}
