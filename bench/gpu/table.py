#!/usr/bin/env python3
# The GPU table of issue 15 from the device run's files: run-plan.cjs's JSON (ganc on ONNX Runtime) and
# step-peer.py's lines (PyTorch CUDA), as markdown with the ratio torch / ganc (above 1: ganc is faster).
# Usage: table.py PEER_LINES_FILE ORT_JSON...   (each peer line: "<workload> <batch> <steps/s> <cpu ms>")
import json
import sys

peer = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4:
        peer[(p[0], int(p[1]))] = 1000.0 / float(p[2])
rows = {}
for f in sys.argv[2:]:
    for t in json.load(open(f)):
        name = t["dir"].rstrip("/").split("/")[-1].rsplit("-b", 1)[0]
        rows.setdefault((name, t["batch"]), {})[f"{t['provider']}/{t['resident']}"] = t["msPerStep"]
cols = sorted({k for r in rows.values() for k in r})
print("| workload | batch | " + " | ".join(f"ganc {c} ms" for c in cols) + " | torch cuda ms | torch / best ganc |")
print("|---|---|" + "---|" * len(cols) + "---|---|")
for (name, batch), r in sorted(rows.items()):
    t = peer.get((name, batch))
    best = min(r.values()) if r else None
    cells = [f"{r[c]:.3f}" if c in r else "—" for c in cols]
    ratio = f"{t / best:.2f}" if t and best else "—"
    torch = f"{t:.3f}" if t else "—"
    print(f"| {name} | {batch} | " + " | ".join(cells) + f" | {torch} | {ratio} |")
