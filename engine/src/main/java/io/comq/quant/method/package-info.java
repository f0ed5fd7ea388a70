/**
 * What a method is asked to do, one immutable config per method: {@link io.comq.quant.method.RtnConfig},
 * {@link io.comq.quant.method.GptqConfig}, {@link io.comq.quant.method.ComqConfig} and the per-layer choice among them,
 * {@link io.comq.quant.method.AutoConfig}, all of the sealed {@link io.comq.quant.method.MethodConfig}. The algorithms
 * that carry them out live in {@code quant.rtn}, {@code quant.gptq} and {@code quant.comq}.
 */
package io.comq.quant.method;
