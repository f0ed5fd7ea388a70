/**
 * The layer benchmark ({@link io.comq.bench.LayerBench}): synthetic layers with a realistic Gram matrix, ND4J sgemm
 * as the reference throughput measured in the same process, COMQ/GPTQ/RTN timings, relative errors and peak heap,
 * printed as a table or written as JSON. Benchmarks print figures; they are not tests.
 */
package io.comq.bench;
