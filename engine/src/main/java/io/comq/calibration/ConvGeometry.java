package io.comq.calibration;

import io.comq.error.InvalidInputException;
import java.util.Locale;

/**
 * The geometry of a 2-D convolution (a 1-D one is the case {@code kernelH = 1}, {@code strideH = 1}, no vertical
 * padding, its input read as height 1). Padding is explicit, in ONNX order (top, left, bottom, right), unless
 * {@code autoPad} says otherwise: then it depends on the input size and {@link #forInput} works it out per the ONNX
 * {@code Conv} specification (as ONNX Runtime does).
 *
 * @param inChannels input channels of the whole conv (all groups)
 * @param groups     number of groups; group {@code g} sees channels {@code [g*C/groups, (g+1)*C/groups)}
 * @param autoPad    how the padding is chosen; the explicit pads must be zero unless it is {@link AutoPad#NOTSET}
 */
public record ConvGeometry(int inChannels, int groups, int kernelH, int kernelW, int strideH, int strideW,
                           int dilationH, int dilationW, int padTop, int padLeft, int padBottom, int padRight,
                           AutoPad autoPad) {

    /** The ONNX {@code auto_pad} attribute. */
    public enum AutoPad {
        /** Explicit pads. */
        NOTSET,
        /** Output size {@code ceil(in / stride)}, padding split evenly, the odd one at the end. */
        SAME_UPPER,
        /** Output size {@code ceil(in / stride)}, padding split evenly, the odd one at the beginning. */
        SAME_LOWER,
        /** No padding. */
        VALID;

        /** The mode an attribute value names. */
        public static AutoPad of(String attribute) {
            try {
                return valueOf(attribute.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown Conv auto_pad '" + attribute
                        + "'; ONNX defines NOTSET, SAME_UPPER, SAME_LOWER and VALID");
            }
        }
    }

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
        if (autoPad == null) {
            autoPad = AutoPad.NOTSET;
        }
        if (autoPad != AutoPad.NOTSET && (padTop | padLeft | padBottom | padRight) != 0) {
            throw new InvalidInputException("a conv with auto_pad " + autoPad + " takes no explicit pads");
        }
    }

    /** A conv with explicit padding. */
    public ConvGeometry(int inChannels, int groups, int kernelH, int kernelW, int strideH, int strideW,
                        int dilationH, int dilationW, int padTop, int padLeft, int padBottom, int padRight) {
        this(inChannels, groups, kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom,
                padRight, AutoPad.NOTSET);
    }

    /** A conv with the same stride, dilation and padding on both axes. */
    public static ConvGeometry square(int inChannels, int groups, int kernel, int stride, int dilation, int pad) {
        return new ConvGeometry(inChannels, groups, kernel, kernel, stride, stride, dilation, dilation, pad, pad, pad, pad);
    }

    /** This conv with padding chosen by {@code mode} (no explicit pads). */
    public ConvGeometry withAutoPad(AutoPad mode) {
        return new ConvGeometry(inChannels, groups, kernelH, kernelW, strideH, strideW, dilationH, dilationW, 0, 0, 0,
                0, mode);
    }

    /**
     * The explicit geometry for an input of {@code h x w}: this one when the pads are explicit; for {@code SAME_*}
     * a total padding of {@code max(0, (ceil(in/stride) - 1) * stride + (k - 1) * dilation + 1 - in)} per axis, half
     * before and half after, the odd one after (UPPER) or before (LOWER); none for {@code VALID}.
     */
    public ConvGeometry forInput(int h, int w) {
        if (autoPad == AutoPad.NOTSET) {
            return this;
        }
        if (autoPad == AutoPad.VALID) {
            return new ConvGeometry(inChannels, groups, kernelH, kernelW, strideH, strideW, dilationH, dilationW, 0, 0,
                    0, 0);
        }
        int totalH = samePadding(h, kernelH, strideH, dilationH);
        int totalW = samePadding(w, kernelW, strideW, dilationW);
        boolean lower = autoPad == AutoPad.SAME_LOWER;
        int top = lower ? totalH - totalH / 2 : totalH / 2;
        int left = lower ? totalW - totalW / 2 : totalW / 2;
        return new ConvGeometry(inChannels, groups, kernelH, kernelW, strideH, strideW, dilationH, dilationW, top, left,
                totalH - top, totalW - left);
    }

    /** Total padding along one axis of size {@code in} that makes {@code ceil(in / stride)} outputs. */
    private static int samePadding(int in, int kernel, int stride, int dilation) {
        int out = (in + stride - 1) / stride;
        return Math.max(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in);
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
        ConvGeometry g = forInput(h, 1);
        return (h + g.padTop + g.padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    /** Output width for input width {@code w}. */
    public int outW(int w) {
        ConvGeometry g = forInput(1, w);
        return (w + g.padLeft + g.padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }
}
