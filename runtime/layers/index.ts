export type { Layer } from "./types.ts";
export { dense, denseOp } from "./dense.ts";
export { conv2d, conv2dTranspose, conv2dOp, conv2dTransposeOp } from "./conv.ts";
export type { Conv2dOpts, Conv2dTransposeOpts } from "./conv.ts";
export { batchnorm, dropout } from "./norm.ts";
export { relu, leakyRelu, elu, exp, tanh, sigmoid, softmax, logSoftmax, maxPool, avgPool } from "./activations.ts";
export { spectralNorm, stopGradient } from "./spectral.ts";
export { embedding, embeddingLookup, oneHot, upsample } from "./embedding.ts";
