// conv2d and conv2dTranspose on NHWC with custom gradients, so training works on wasm (no Conv2DBackpropFilter
// kernel there): the filter gradient is patches + one non-transposed matMul (conv-util.ts).
import * as tf from "@tensorflow/tfjs";
import type { ApplyOpts, ParamStore, Tensor } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { convGeom, filterGrad } from "./conv-util.ts";
import type { Layer } from "./types.ts";
import { spectralNorm } from "./spectral.ts";

export interface Conv2dOpts {
  inChannels: number;
  filters: number;
  kernel: number;
  stride: number;
  padding: "same" | "valid";
  /** power iterations per training application of spectral normalization (spectral.ts); absent: none */
  spectralNorm?: number;
}
export interface Conv2dTransposeOpts extends Conv2dOpts {
  inH: number;
  inW: number;
}

// conv2d and conv2dTranspose are each other's input gradient. Both ops below call the OTHER custom op in their
// gradient, so gradients of any order (WGAN-GP through a conv critic) only need Conv2D, Conv2DBackpropInput and
// the ops of filterGrad, all of which wasm has.

/** conv2d(x [N,H,W,C], w [k,k,C,F], b [F]) -> [N,outH,outW,F]; forward uses the backend's conv kernel. */
export function conv2dOp(stride: number, padding: "same" | "valid"): (x: Tensor, w: Tensor, b: Tensor) => Tensor {
  const f = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const value = tf.add(tf.conv2d(x, w, stride, padding), b);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [, H, W] = xs.shape;
        const [kh, kw, C] = ws.shape;
        const g = convGeom(H, W, kh, kw, stride, padding);
        const dx = conv2dTransposeOp(stride, padding, H, W)(dy, ws, tf.zeros([C]));
        return [dx, filterGrad(xs, dy as tf.Tensor4D, g), tf.sum(dy, [0, 1, 2])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f as (x: Tensor, w: Tensor, b: Tensor) => Tensor;
}

/** conv2dTranspose(x [N,h,w,Cin], w [k,k,F,Cin] (tfjs layout), b [F]) -> [N,outH,outW,F]: the input gradient of
 * conv2d(y [N,outH,outW,F], w) -> [N,h,w,Cin]. */
export function conv2dTransposeOp(
  stride: number,
  padding: "same" | "valid",
  outH: number,
  outW: number,
): (x: Tensor, w: Tensor, b: Tensor) => Tensor {
  const f = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    const [N, h, wd] = x.shape;
    const [kh, kw, F] = w.shape;
    const g = convGeom(outH, outW, kh, kw, stride, padding);
    if (g.outH !== h || g.outW !== wd)
      throw new GancRuntimeError(
        `conv2dTranspose: input ${h}x${wd} does not match output ${outH}x${outW} (stride ${stride}, ${padding})`,
        { code: "shape" },
      );
    const value = tf.add(tf.conv2dTranspose(x, w, [N, outH, outW, F], stride, padding), b);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const Cin = xs.shape[3];
        const dx = conv2dOp(stride, padding)(dy, ws, tf.zeros([Cin]));
        // y = conv2d^T(x): dW[k,k,F,Cin] is the filter gradient of conv2d(dy) -> x
        return [dx, filterGrad(dy as tf.Tensor4D, xs, g), tf.sum(dy, [0, 1, 2])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f as (x: Tensor, w: Tensor, b: Tensor) => Tensor;
}

function checkOpts(name: string, o: Conv2dOpts): void {
  for (const k of ["inChannels", "filters", "kernel", "stride"] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1)
      throw new GancRuntimeError(`${name}: ${k} must be a positive integer, got ${o[k]}`, { code: "layer-args" });
  if (o.padding !== "same" && o.padding !== "valid")
    throw new GancRuntimeError(`${name}: padding must be "same" or "valid", got ${String(o.padding)}`, {
      code: "layer-args",
    });
}

export function conv2d(store: ParamStore, name: string, opts: Conv2dOpts): Layer {
  checkOpts(name, opts);
  const { inChannels: C, filters: F, kernel: k, stride, padding } = opts;
  const kernel = `${name}/kernel`;
  const bias = `${name}/bias`;
  const w = store.create(kernel, [k, k, C, F], { kind: "glorot_uniform", fanIn: k * k * C, fanOut: k * k * F });
  const b = store.create(bias, [F], { kind: "zeros" });
  const op = conv2dOp(stride, padding);
  const sn = opts.spectralNorm ? spectralNorm(store, name, w, "conv2d", opts.spectralNorm) : null;
  return {
    vars: [kernel, bias],
    apply(x: Tensor, o: ApplyOpts): Tensor {
      if (x.rank !== 4 || x.shape[3] !== C)
        throw new GancRuntimeError(`${name}: conv2d expects input [N, H, W, ${C}], got [${x.shape}]`, {
          code: "shape",
        });
      return op(x, sn ? sn(o.training) : w, b);
    },
  };
}

export function conv2dTranspose(store: ParamStore, name: string, opts: Conv2dTransposeOpts): Layer {
  checkOpts(name, opts);
  const { inChannels: C, filters: F, kernel: k, stride, padding, inH, inW } = opts;
  const outH = padding === "same" ? inH * stride : (inH - 1) * stride + k;
  const outW = padding === "same" ? inW * stride : (inW - 1) * stride + k;
  const kernel = `${name}/kernel`;
  const bias = `${name}/bias`;
  const w = store.create(kernel, [k, k, F, C], { kind: "glorot_uniform", fanIn: k * k * C, fanOut: k * k * F });
  const b = store.create(bias, [F], { kind: "zeros" });
  const op = conv2dTransposeOp(stride, padding, outH, outW);
  const sn = opts.spectralNorm ? spectralNorm(store, name, w, "conv2d_transpose", opts.spectralNorm) : null;
  return {
    vars: [kernel, bias],
    apply(x: Tensor, o: ApplyOpts): Tensor {
      if (x.rank !== 4 || x.shape[1] !== inH || x.shape[2] !== inW || x.shape[3] !== C)
        throw new GancRuntimeError(
          `${name}: conv2dTranspose expects input [N, ${inH}, ${inW}, ${C}], got [${x.shape}]`,
          { code: "shape" },
        );
      return op(x, sn ? sn(o.training) : w, b);
    },
  };
}
