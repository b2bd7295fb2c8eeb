"""Fit sklearn GaussianMixture from a given initialization; the counterpart of experiments/em_vs_sklearn.ts.

Usage: /usr/bin/python3 experiments/em_vs_sklearn.py IN.json OUT.json
IN.json: {"cases": [{"name", "cov", "k", "d", "train": [[...]], "test": [[...]],
                     "init": {"weights": [...], "means": [[...]], "covs": [[[...]]]}, "tol", "max_iter", "reg"}]}
"""
import json
import sys

import numpy as np
from sklearn.mixture import GaussianMixture


def precisions(cov_type, covs):
    covs = np.asarray(covs, dtype=np.float64)
    if cov_type == "full":
        return np.linalg.inv(covs)
    if cov_type == "diag":
        return 1.0 / np.diagonal(covs, axis1=1, axis2=2)
    if cov_type == "spherical":
        return 1.0 / covs[:, 0, 0]
    raise ValueError(cov_type)


def main():
    src = json.load(open(sys.argv[1]))
    out = []
    for c in src["cases"]:
        train = np.asarray(c["train"], dtype=np.float64)
        test = np.asarray(c["test"], dtype=np.float64)
        gm = GaussianMixture(
            n_components=c["k"],
            covariance_type=c["cov"],
            tol=c["tol"],
            reg_covar=c["reg"],
            max_iter=c["max_iter"],
            weights_init=np.asarray(c["init"]["weights"]),
            means_init=np.asarray(c["init"]["means"]),
            precisions_init=precisions(c["cov"], c["init"]["covs"]),
        ).fit(train)
        out.append({"name": c["name"], "cov": c["cov"], "test_nll": float(-gm.score(test)),
                    "train_ll": float(gm.score(train)), "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_)})
    json.dump({"sklearn": __import__("sklearn").__version__, "results": out}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
