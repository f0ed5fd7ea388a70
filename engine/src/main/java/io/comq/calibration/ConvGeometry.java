package io.comq.calibration;

import io.comq.error.InvalidInputException;

/**
 * The geometry of a 2-D convolution (a 1-D one is the case {@code kernelH = 1}, {@code strideH = 1}, no vertical
 * padding, its input read as height 1). Explicit padding only, in ONNX order (top, left, bottom, right).
 *
 * @param inChannels input channels of the whole conv (all groups)
 * @param groups     number of groups; group {@code g} sees channels {@code [g*C/groups, (g+1)*C/groups)}
 */
public record ConvGeometry(int inChannels, int groups, int kernelH, int kernelW, int strideH, int strideW,
                           int dilationH, int dilationW, int padTop, int padLeft, int padBottom, int padRight) {

    public ConvGeometry {
        if (inChannels <= 0 || groups <= 0 || inChannels % groups != 0) {
            throw new InvalidInputException("a conv needs input channels divisible by its groups, got " + inChannels
                    + " channels in " + groups + " groups");
        }
        if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0) {
            throw new InvalidInputException("conv kernel, strides and dilations must be positive, got kernel "
                    + kernelH + "x" + kernelW + ", strides " + strideH + "x" + strideW + ", dilations " + dilationH
                    + "x" + dilationW);
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new InvalidInputException("conv pads must not be negative");
        }
    }

    /** A conv with the same stride, dilation and padding on both axes. */
    public static ConvGeometry square(int inChannels, int groups, int kernel, int stride, int dilation, int pad) {
        return new ConvGeometry(inChannels, groups, kernel, kernel, stride, stride, dilation, dilation, pad, pad, pad, pad);
    }

    /** Input channels of one group. */
    public int channelsPerGroup() {
        return inChannels / groups;
    }

    /** Length of one im2col patch, the rows of one group's weight matrix: {@code C/groups * kh * kw}. */
    public int patchSize() {
        return channelsPerGroup() * kernelH * kernelW;
    }

    /** Output height for input height {@code h}. */
    public int outH(int h) {
        return (h + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    /** Output width for input width {@code w}. */
    public int outW(int w) {
        return (w + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }
}
