// The one tfjs import of the runtime. The full `@tensorflow/tfjs` bundle registers gradients (tfjs-core alone
// does not), which optimizers and tf.grad need.
import * as tf from "@tensorflow/tfjs";
export { tf };
export default tf;
