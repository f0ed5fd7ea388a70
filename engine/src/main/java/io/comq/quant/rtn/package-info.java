/** Round-to-nearest: every weight rounded on its grid, the baseline every report shows. */
package io.comq.quant.rtn;
