package io.comq.calibration.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextCalibrationTest {

    @Test
    void sentencesAreSplitAfterTheirEndAndKeptFromMinWords() {
        String text = "This License applies to   any work.\nShort one. Is it\tcovered by these terms? Yes!";
        assertEquals(List.of("This License applies to any work.", "Is it covered by these terms?"),
                TextCalibration.sentences(text, 4));
    }

    /** MPL-2.0 frames its disclaimers in rules of asterisks; numbering and figures are not words either. */
    @Test
    void rulesOfAsterisksAndNumbersAreNotSentences() {
        String text = "* * * ************************************************ * * * 6. "
                + "1.0 2.0 3.0 4.0 5.0 6.0. -------- ======== ++++++++ ######## ........ "
                + "Disclaimer of Warranty: the work is provided as is.";
        assertEquals(List.of("Disclaimer of Warranty: the work is provided as is."),
                TextCalibration.sentences(text, 5));
    }
}
