// Special functions the metrics need: erfc and the standard normal CDF, accurate to ~1e-15 relative so that
// NDB p-values near the significance level are decided the same way scipy's norm.cdf decides them.

/** Complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // Maclaurin series of erf: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); little cancellation for x < 2
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), backward evaluation
  let f = x;
  for (let n = 300; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Standard normal CDF. */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log of sum of exp over a[off .. off+len), stable. */
export function logSumExp(a: ArrayLike<number>, off = 0, len = a.length): number {
  let m = -Infinity;
  for (let i = 0; i < len; i++) if (a[off + i]! > m) m = a[off + i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < len; i++) s += Math.exp(a[off + i]! - m);
  return m + Math.log(s);
}
