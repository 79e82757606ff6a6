#!/usr/bin/env python3
"""Writes spec/run cases from a hand-written table and checks them.

Each case lists the outputs expected by reasoning from the reference; the
script runs `tickc run`, compares, and writes expected.jsonl only when the
run matches the hand-written expectation (otherwise it prints both)."""
import json, os, subprocess, sys

TICKC = os.environ.get("TICKC", "target/debug/tickc")

def run_case(path, comment, script, data, expected, args="--precision s", data_name="input.lp"):
    d = os.path.join("spec/run", path)
    os.makedirs(d, exist_ok=True)
    head = "".join("// " + l + "\n" for l in comment.strip().splitlines())
    with open(os.path.join(d, "task.tick"), "w") as f:
        f.write(head + script.strip() + "\n")
    with open(os.path.join(d, data_name), "w") as f:
        f.write(data.strip() + "\n")
    if args:
        with open(os.path.join(d, "args"), "w") as f:
            f.write(args + "\n")
    elif os.path.exists(os.path.join(d, "args")):
        os.remove(os.path.join(d, "args"))
    cmd = [TICKC, "run", os.path.join(d, "task.tick"), "--data", os.path.join(d, data_name)] + args.split()
    r = subprocess.run(cmd, capture_output=True, text=True)
    got = r.stdout.splitlines()
    # Expected entries: a plain string = a point line; a dict = a full JSON object.
    def norm(line):
        o = json.loads(line)
        if o.get("kind") == "point":
            return o["line"]
        return o
    got_n = [norm(l) for l in got]
    if got_n == expected and r.returncode == 0:
        with open(os.path.join(d, "expected.jsonl"), "w") as f:
            f.write(r.stdout)
        return True
    print(f"MISMATCH {path} (rc={r.returncode})\n  stderr: {r.stderr.strip()[:500]}")
    for e in expected:
        print("  want:", e)
    for g in got_n:
        print("  got: ", g)
    return False

CASES = []
def case(path, comment, script, data, expected, **kw):
    CASES.append((path, comment, script, data, expected, kw))

if __name__ == "__main__":
    import importlib.util
    ok = True
    for mod in sys.argv[1:]:
        spec = importlib.util.spec_from_file_location("m", mod)
        m = importlib.util.module_from_spec(spec)
        m.case = case
        spec.loader.exec_module(m)
    for path, comment, script, data, expected, kw in CASES:
        ok &= run_case(path, comment, script, data, expected, **kw)
    print("all ok" if ok else "SOME MISMATCHES")
