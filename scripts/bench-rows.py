"""The sections of docs/performance.md for `eks token`, `serve` and `--imds`, from the files
scripts/bench wrote in WORK. argv: WORK SERVE_STS_CALLS IMDS_STS_CALLS. Prints Markdown."""
import json
import statistics
import sys

work, serve_calls, imds_calls = sys.argv[1:4]


def ms(r):
    return statistics.median(r["times"]) * 1000


eks = json.load(open(f"{work}/eks.json"))["results"]
rows = ["| command | median | mean ± σ | vs. rolecall |", "|---|---:|---:|---:|"]
for i, r in enumerate(eks):
    ratio = f"{ms(r) / ms(eks[1]):.1f}×" if i >= 2 else "—"
    rows.append(f"| {r['command']} | {ms(r):.1f} ms | {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f} ms | {ratio} |")
load = ["| endpoint | clients (keep-alive, loopback) | requests in 5 s | requests/s | p50 | p99 | failed | STS calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"]
for name, label, calls in (("serve", "`serve` (container endpoint, a token per client)", serve_calls),
                           ("imds", "`serve --imds` (IMDSv2, a session token per client)", imds_calls)):
    s = json.load(open(f"{work}/{name}.json"))
    load.append(f"| {label} | {s['clients']} | {s['requests']} | {s['rps']:.0f} | {s['p50_ms']:.2f} ms | {s['p99_ms']:.2f} ms | {s['failures']} | {calls} |")
nl = "\n"
print(f"""## Warm `eks token` (kubectl's exec plugin)

{nl.join(rows)}

The role's session is cached by both tools; rolecall signs the token from it (SigV4 presigning,
no network), the AWS CLI starts Python and botocore to do the same.

## `serve` and `serve --imds` under load

{nl.join(load)}

Every request is answered from memory: the STS calls column counts AssumeRole calls for the
profile's role during the run (the session was cached before it).""")
