package io.comq.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages depend on each other one way: no package (each {@code io.comq.x.y} on its own, a subpackage
 * counting as a package of its own) reaches back to one that reaches it. The same rule, run on a deliberately planted
 * cycle ({@code planted.a <-> planted.b}, test sources), fails, so the check is known to bite.
 */
class PackageCyclesTest {

    /** Every package of {@code prefix} is a slice; slices must be free of cycles. */
    static ArchRule noCycles(String prefix) {
        return slices().matching(prefix + ".(**)").should().beFreeOfCycles();
    }

    @Test
    void engineHasNoPackageCycles() {
        JavaClasses engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages("io.comq");
        assertTrue(engine.size() > 100, "the engine's classes were found: " + engine.size());
        noCycles("io.comq").check(engine);
    }

    @Test
    void aPlantedCycleIsReported() {
        JavaClasses planted = new ClassFileImporter().importPackages("planted");
        EvaluationResult r = noCycles("planted").evaluate(planted);
        assertTrue(r.hasViolation(), "the planted cycle a <-> b must be reported");
        assertFalse(r.getFailureReport().getDetails().isEmpty());
    }
}
