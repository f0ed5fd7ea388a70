package io.comq.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The service's packages and the engine's, together, depend on each other one way: no package cycle anywhere in
 * {@code io.comq} (the engine's own check, with a planted cycle that proves it bites, is the engine's
 * {@code PackageCyclesTest}).
 */
class ServicePackageCyclesTest {

    @Test
    void serviceAndEngineHaveNoPackageCycles() {
        // main classes only: not this module's tests, nor the engine's test jar (its helpers are tests too)
        JavaClasses all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("/test-classes/"))
                .importPackages("io.comq");
        assertTrue(all.stream().anyMatch(c -> c.getPackageName().equals("io.comq.cli"))
                && all.stream().anyMatch(c -> c.getPackageName().equals("io.comq.layer")),
                "both the service's and the engine's classes were found");
        slices().matching("io.comq.(**)").should().beFreeOfCycles().check(all);
    }
}
