// Filter gradient of a 2-D convolution built from ops every tfjs backend has fast kernels for (4-D pad/slice,
// reshape, concat, transpose, non-transposed matMul). wasm has no Conv2DBackpropFilter kernel; this replaces it.
import * as tf from "@tensorflow/tfjs";

export interface ConvGeom {
  kh: number;
  kw: number;
  stride: number;
  /** input spatial size of the forward conv */
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
export function convGeom(
  H: number,
  W: number,
  kh: number,
  kw: number,
  stride: number,
  padding: "same" | "valid",
): ConvGeom {
  if (padding === "same") {
    const outH = Math.ceil(H / stride);
    const outW = Math.ceil(W / stride);
    const ph = Math.max((outH - 1) * stride + kh - H, 0);
    const pw = Math.max((outW - 1) * stride + kw - W, 0);
    return {
      kh,
      kw,
      stride,
      H,
      W,
      outH,
      outW,
      padTop: ph >> 1,
      padBottom: ph - (ph >> 1),
      padLeft: pw >> 1,
      padRight: pw - (pw >> 1),
    };
  }
  const outH = Math.floor((H - kh) / stride) + 1;
  const outW = Math.floor((W - kw) / stride) + 1;
  return { kh, kw, stride, H, W, outH, outW, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
}

/**
 * Patches of x [N,H,W,C] as [kh*kw, N*outH*outW, C] (offset-major). Strided patches avoid stridedSlice and rank>4
 * ops (slow generic paths on wasm): the padded input is split into stride x stride phases with one 4-D reshape,
 * then every kernel offset is a plain 4-D slice of one phase.
 */
export function patches(x: tf.Tensor4D, g: ConvGeom): tf.Tensor3D {
  return tf.tidy(() => {
    const [N, , , C] = x.shape;
    const s = g.stride;
    let Hp = g.H + g.padTop + g.padBottom;
    let Wp = g.W + g.padLeft + g.padRight;
    // extra zero rows/cols so the padded size divides by the stride (never read by a patch)
    const exH = (s - (Hp % s)) % s;
    const exW = (s - (Wp % s)) % s;
    const xp =
      g.padTop + g.padBottom + g.padLeft + g.padRight + exH + exW > 0
        ? tf.pad(x, [
            [0, 0],
            [g.padTop, g.padBottom + exH],
            [g.padLeft, g.padRight + exW],
            [0, 0],
          ])
        : x;
    Hp += exH;
    Wp += exW;
    const M = N * g.outH * g.outW;
    const blocks: tf.Tensor[] = [];
    if (s === 1) {
      for (let i = 0; i < g.kh; i++)
        for (let j = 0; j < g.kw; j++)
          blocks.push(tf.reshape(tf.slice(xp, [0, i, j, 0], [N, g.outH, g.outW, C]), [1, M, C]));
    } else {
      const Hq = Hp / s;
      const Wq = Wp / s;
      // [N, Hq, s, Wq, s, C] viewed as 4-D: [N*Hq, s, Wq, s*C]
      const r4 = tf.reshape(xp, [N * Hq, s, Wq, s * C]);
      const phases = new Map<string, tf.Tensor4D>();
      const phase = (r: number, r2: number): tf.Tensor4D => {
        const key = `${r},${r2}`;
        let p = phases.get(key);
        if (!p) {
          p = tf.reshape(tf.slice(r4, [0, r, 0, r2 * C], [N * Hq, 1, Wq, C]), [N, Hq, Wq, C]);
          phases.set(key, p);
        }
        return p;
      };
      for (let i = 0; i < g.kh; i++)
        for (let j = 0; j < g.kw; j++) {
          const p = phase(i % s, j % s);
          blocks.push(
            tf.reshape(tf.slice(p, [0, Math.floor(i / s), Math.floor(j / s), 0], [N, g.outH, g.outW, C]), [1, M, C]),
          );
        }
    }
    return (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0)) as tf.Tensor3D;
  });
}

/** dL/dW [kh,kw,C,F] of y = conv2d(x, W) given x [N,H,W,C] and dy [N,outH,outW,F]. */
export function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    const C = x.shape[3];
    const F = dy.shape[3];
    const M = x.shape[0] * g.outH * g.outW;
    const T = g.kh * g.kw;
    const P = patches(x, g); // [T, M, C]
    const Pt = tf.reshape(tf.transpose(P, [0, 2, 1]), [T * C, M]);
    return tf.reshape(tf.matMul(Pt, tf.reshape(dy, [M, F]) as tf.Tensor2D), [g.kh, g.kw, C, F]);
  });
}
