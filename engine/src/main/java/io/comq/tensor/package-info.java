/** Dense matrices, the one in-memory tensor value the engine passes between formats, calibration and algorithms. */
package io.comq.tensor;
