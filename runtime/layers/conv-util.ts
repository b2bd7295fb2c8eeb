// im2col / col2im with ops every tfjs backend has (pad, stridedSlice, reshape, concat, matMul). They let conv
// gradients run on wasm, which has no Conv2DBackpropFilter kernel and a slow Conv2DBackpropInput.
import * as tf from "@tensorflow/tfjs";

export interface ConvGeom {
  kh: number;
  kw: number;
  stride: number;
  /** input spatial size (the conv's input; for a transposed conv, its output) */
  H: number;
  W: number;
  outH: number;
  outW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** TensorFlow's padding rules for a forward conv of an H x W input. */
export function convGeom(H: number, W: number, kh: number, kw: number, stride: number, padding: "same" | "valid"): ConvGeom {
  if (padding === "same") {
    const outH = Math.ceil(H / stride);
    const outW = Math.ceil(W / stride);
    const ph = Math.max((outH - 1) * stride + kh - H, 0);
    const pw = Math.max((outW - 1) * stride + kw - W, 0);
    return { kh, kw, stride, H, W, outH, outW, padTop: ph >> 1, padBottom: ph - (ph >> 1), padLeft: pw >> 1, padRight: pw - (pw >> 1) };
  }
  const outH = Math.floor((H - kh) / stride) + 1;
  const outW = Math.floor((W - kw) / stride) + 1;
  return { kh, kw, stride, H, W, outH, outW, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
}

/** x [N,H,W,C] -> patches [N*outH*outW, kh*kw*C], columns ordered (i, j, c) like a [kh,kw,C,F] filter. */
export function im2col(x: tf.Tensor4D, g: ConvGeom): tf.Tensor2D {
  return tf.tidy(() => {
    const [N, , , C] = x.shape;
    const xp =
      g.padTop + g.padBottom + g.padLeft + g.padRight > 0
        ? tf.pad(x, [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]])
        : x;
    const spanH = (g.outH - 1) * g.stride + 1;
    const spanW = (g.outW - 1) * g.stride + 1;
    const blocks: tf.Tensor4D[] = [];
    for (let i = 0; i < g.kh; i++)
      for (let j = 0; j < g.kw; j++) {
        blocks.push(<tf.Tensor4D>(
          g.stride === 1
            ? tf.slice(xp, [0, i, j, 0], [N, spanH, spanW, C])
            : tf.stridedSlice(xp, [0, i, j, 0], [N, i + spanH, j + spanW, C], [1, g.stride, g.stride, 1])),
        );
      }
    const cols = blocks.length === 1 ? blocks[0] : tf.concat(blocks, 3);
    return tf.reshape(cols, [N * g.outH * g.outW, g.kh * g.kw * C]);
  });
}

/** The adjoint of im2col: cols [N*outH*outW, kh*kw*C] -> [N,H,W,C], summing overlapping patch entries. */
export function col2im(cols: tf.Tensor2D, N: number, C: number, g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    const s = g.stride;
    const Hp = g.H + g.padTop + g.padBottom;
    const Wp = g.W + g.padLeft + g.padRight;
    const spanH = (g.outH - 1) * s + 1;
    const spanW = (g.outW - 1) * s + 1;
    const c4 = tf.reshape(cols, [N, g.outH, g.outW, g.kh * g.kw * C]);
    const blocks = g.kh * g.kw === 1 ? [c4] : tf.split(c4, g.kh * g.kw, 3);
    const parts: tf.Tensor4D[] = [];
    let k = 0;
    for (let i = 0; i < g.kh; i++)
      for (let j = 0; j < g.kw; j++) {
        let b = blocks[k++] as tf.Tensor4D;
        if (s > 1) {
          // interleave zeros: [N,oH,oW,C] -> [N,oH,s,oW,s,C] -> [N,oH*s,oW*s,C] -> keep the first span
          const b6 = tf.pad(tf.reshape(b, [N, g.outH, 1, g.outW, 1, C]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
          b = <tf.Tensor4D>tf.slice(tf.reshape(b6, [N, g.outH * s, g.outW * s, C]), [0, 0, 0, 0], [N, spanH, spanW, C]);
        }
        parts.push(tf.pad(b, [[0, 0], [i, Hp - i - spanH], [j, Wp - j - spanW], [0, 0]]));
      }
    const full = parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D);
    return (g.padTop + g.padBottom + g.padLeft + g.padRight > 0
      ? tf.slice(full, [0, g.padTop, g.padLeft, 0], [N, g.H, g.W, C])
      : full) as tf.Tensor4D;
  });
}
