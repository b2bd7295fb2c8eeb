export { makeOptimizer } from "./optimizers.ts";
export { project, symEig } from "./project.ts";
export type { ProjectionKind } from "./project.ts";
