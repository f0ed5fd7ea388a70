package io.comq.format.onnx;

import java.util.List;

/**
 * The geometry of a Conv layer, defaults filled in, for im2col calibration and for rewriting.
 *
 * @param groups      the {@code group} attribute (1 plain, channels for depthwise)
 * @param kernelShape spatial kernel size, from the weight when the attribute is absent
 * @param strides     per spatial axis
 * @param pads        begin values of every spatial axis, then end values (ONNX order)
 * @param dilations   per spatial axis
 * @param autoPad     {@code NOTSET}, {@code SAME_UPPER}, {@code SAME_LOWER} or {@code VALID}
 */
public record ConvAttributes(int groups, List<Long> kernelShape, List<Long> strides, List<Long> pads,
                             List<Long> dilations, String autoPad) {
    public ConvAttributes {
        kernelShape = List.copyOf(kernelShape);
        strides = List.copyOf(strides);
        pads = List.copyOf(pads);
        dilations = List.copyOf(dilations);
    }

    /** True when every group has one input channel and one output channel per input (depthwise). */
    public boolean depthwise(int inChannels) {
        return groups > 1 && groups == inChannels;
    }
}
