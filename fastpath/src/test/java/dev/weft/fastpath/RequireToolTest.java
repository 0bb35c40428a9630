package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A missing tool skips a namespace test with the package that has it, and fails it under CI=true (where CI installs it). */
class RequireToolTest {

    @Test
    void aMissingToolNamesItsPackageAndFailsOnlyInCi() {
        boolean ci = "true".equals(System.getenv("CI"));
        assertThatThrownBy(() -> Netns.requireTool("weft-no-such-tool", "weft-no-such-package"))
                .isInstanceOf(ci ? AssertionError.class : TestAbortedException.class)
                .hasMessageContaining("needs weft-no-such-tool: install the Debian package weft-no-such-package");
    }
}
