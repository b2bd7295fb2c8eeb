export type { Prior } from "./simple.ts";
export { normal, uniform, beta, pointMass, categorical, mixture } from "./simple.ts";
export { gaussianMixture } from "./gmm.ts";
export type { GaussianMixture, GaussianMixtureOpts } from "./gmm.ts";
export { lgamma, sampleGamma } from "./special.ts";
