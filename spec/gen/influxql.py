# InfluxQL function nodes (reference §4.3). Shared inputs:
# B: one series; a 10s window from t0=1s emits [1s,11s) at t=11s holding
#    v = 1@1 3@2 2@3 3@4 (the point at 11s opens the next window).
B = """
cpu v=1 1
cpu v=3 2
cpu v=2 3
cpu v=3 4
cpu v=9 11
"""
# A: two hosts; each host's window [1s,11s) is emitted at 11s, host a first.
A = """
cpu,host=a v=1 1
cpu,host=b v=10 1
cpu,host=a v=3 2
cpu,host=b v=20 2
cpu,host=a v=5 3
cpu,host=b v=40 3
cpu,host=a v=7 11
cpu,host=b v=70 11
"""
# S: a stream with two points at 1s; results come when the time changes.
S = """
cpu v=1 1
cpu v=3 1
cpu v=5 2
cpu v=7 3
"""

def win(fn, group=""):
    g = f"\n        .groupBy('host')" if group else ""
    return f"""stream
    |from()
        .measurement('cpu'){g}
    |window()
        .period(10s)
        .every(10s)
    |{fn}
    |influxDBOut()
        .precision('s')"""

def strm(fn, group=""):
    g = f"\n        .groupBy('host')" if group else ""
    return f"""stream
    |from()
        .measurement('cpu'){g}
    |{fn}
    |influxDBOut()
        .precision('s')"""

# ---- aggregates: {as: value} with the group tags, time = batch time ----
case("count/typical", "count of the window [1s,11s): 4 points, an int, stamped with the window end.",
     win("count('v')"), B, ["cpu count=4i 11"])
case("count/group_by", "one count per host window, with the host group tag.",
     win("count('v')", 1), A, ["cpu,host=a count=3i 11", "cpu,host=b count=3i 11"])
case("count/empty_batch", """period 1s, every 10s: at 11s the window [10s,11s) holds no point, and
count of an empty batch is 0 (the only aggregates that emit on empty batches are count and sum).""",
     """stream
    |from()
        .measurement('cpu')
    |window()
        .period(1s)
        .every(10s)
    |count('v')
    |influxDBOut()
        .precision('s')""", "cpu v=1 1\ncpu v=2 2\ncpu v=3 11", ["cpu count=0i 11"])

case("sum/typical", "sum of 1+3+2+3 = 9 (float in, float out).", win("sum('v')"), B, ["cpu sum=9 11"])
case("sum/group_by", "per host: 1+3+5 = 9 and 10+20+40 = 70.", win("sum('v')", 1), A,
     ["cpu,host=a sum=9 11", "cpu,host=b sum=70 11"])
case("sum/empty_batch_and_ints", """an empty window sums to 0: at 11s the window [9s,11s) is empty (0, a
float); the next end is 11s+10s = 21s, when [19s,21s) holds 5i and 6i: ints sum to an int.""",
     """stream
    |from()
        .measurement('cpu')
    |window()
        .period(2s)
        .every(10s)
    |sum('v')
    |influxDBOut()
        .precision('s')""", "cpu v=1i 1\ncpu v=2i 2\ncpu v=9i 11\ncpu v=5i 19\ncpu v=6i 20\ncpu v=7i 21",
     ["cpu sum=0 11", "cpu sum=11i 21"])

case("mean/typical", "mean of 1,3,2,3 = 2.25.", win("mean('v')"), B, ["cpu mean=2.25 11"])
case("mean/group_by", "per host: 9/3 = 3 and 70/3.", win("mean('v')", 1), A,
     ["cpu,host=a mean=3 11", "cpu,host=b mean=23.333333333333332 11"])
case("mean/stream_equal_times", """stream edge: the two points at 1s are averaged (2) and emitted only when
the point at 2s arrives; the 3s point waits for a later time that never comes.""",
     strm("mean('v')"), S, ["cpu mean=2 1", "cpu mean=5 2"])

case("median/typical", "sorted 1,2,3,3: even count, the mean of the middle two = 2.5.", win("median('v')"), B,
     ["cpu median=2.5 11"])
case("median/group_by", "per host: the middle values 3 and 20.", win("median('v')", 1), A,
     ["cpu,host=a median=3 11", "cpu,host=b median=20 11"])
case("median/ints_give_float", "int input: the median is a float (1i,2i → 1.5).", win("median('v')"),
     "cpu v=1i 1\ncpu v=2i 2\ncpu v=0i 11", ["cpu median=1.5 11"])

case("mode/typical", "3 appears twice: the mode.", win("mode('v')"), B, ["cpu mode=3 11"])
case("mode/group_by", "all distinct per host: the smallest value (the first run after sorting) wins.",
     win("mode('v')", 1), A, ["cpu,host=a mode=1 11", "cpu,host=b mode=10 11"])
case("mode/tie_earliest_run", """2i and 1i both appear twice; 2i's first point (1s) is earlier than 1i's
(2s), so 2i wins; int in, int out.""", win("mode('v')"),
     "cpu v=2i 1\ncpu v=1i 2\ncpu v=2i 3\ncpu v=1i 4\ncpu v=0i 11", ["cpu mode=2i 11"])

case("spread/typical", "max 3 − min 1 = 2.", win("spread('v')"), B, ["cpu spread=2 11"])
case("spread/group_by", "per host: 5−1 and 40−10.", win("spread('v')", 1), A,
     ["cpu,host=a spread=4 11", "cpu,host=b spread=30 11"])
case("spread/ints", "int in, int out: 9i − (−3i) = 12i.", win("spread('v')"),
     "cpu v=-3i 1\ncpu v=9i 2\ncpu v=0i 11", ["cpu spread=12i 11"])

case("stddev/typical", """sample stddev of 1,3,2,3: mean 2.25, squares 1.5625+0.5625+0.0625+0.5625 = 2.75,
/3, sqrt = 0.9574271077563381.""", win("stddev('v')"), B, ["cpu stddev=0.9574271077563381 11"])
case("stddev/group_by", "host a: 1,3,5 → sqrt(8/2) = 2; host b: 10,20,40 → mean 70/3, squares sum to 1400/3, /2, sqrt = 15.275252316519467.",
     win("stddev('v')", 1), A, ["cpu,host=a stddev=2 11", "cpu,host=b stddev=15.275252316519467 11"])
case("stddev/ints", "int input gives a float: 2i,4i → sqrt(2) = 1.4142135623730951.", win("stddev('v')"),
     "cpu v=2i 1\ncpu v=4i 2\ncpu v=0i 11", ["cpu stddev=1.4142135623730951 11"])

# ---- selectors: the selected point's tags and all fields, field renamed ----
case("first/typical", "first by time: v=1 at 1s; the whole point (w too) is emitted, v renamed to first, at the batch time.",
     win("first('v')"), "cpu v=1,w=10 1\ncpu v=3,w=30 2\ncpu v=0,w=0 11", ["cpu first=1,w=10 11"])
case("first/group_by", "per host the earliest point.", win("first('v')", 1), A,
     ["cpu,host=a first=1 11", "cpu,host=b first=10 11"])
case("first/time_tie_larger_value", """three points share the earliest time 1s: the tie goes to the larger
value (5); strings work too.""", win("first('s')"),
     'cpu s="b",v=1 1\ncpu s="c",v=5 1\ncpu s="a",v=3 1\ncpu s="z",v=0 2\ncpu s="x",v=0 11',
     ['cpu first="c",v=5 11'])

case("last/typical", "last by time: 3 at 4s.", win("last('v')"), B, ["cpu last=3 11"])
case("last/group_by", "per host the latest point of the window.", win("last('v')", 1), A,
     ["cpu,host=a last=5 11", "cpu,host=b last=40 11"])
case("last/usePointTimes", "with usePointTimes the selected point keeps its own time (4s).",
     win("last('v')\n        .usePointTimes()"), B, ["cpu last=3 4"])

case("min/typical", "min 1.", win("min('v')"), B, ["cpu min=1 11"])
case("min/group_by", "per host min, keeping the point's tags.", win("min('v')", 1), A,
     ["cpu,host=a min=1 11", "cpu,host=b min=10 11"])
case("min/tie_earliest_as", """two points hold the min 1: the earliest (2s, w=2) is selected; with
usePointTimes its time is kept; the field is renamed to lowest.""",
     win("min('v')\n        .as('lowest')\n        .usePointTimes()"),
     "cpu v=4,w=1 1\ncpu v=1,w=2 2\ncpu v=1,w=3 3\ncpu v=9,w=4 11", ["cpu lowest=1,w=2 2"])

case("max/typical", "max 3: the earliest of the two (2s), at the batch time.", win("max('v')"), B, ["cpu max=3 11"])
case("max/group_by", "per host max.", win("max('v')", 1), A, ["cpu,host=a max=5 11", "cpu,host=b max=40 11"])
case("max/stream", """stream edge: each set of equal-time points is a batch; the max of the two
points at 1s is emitted at 2s; the 3s point waits.""", strm("max('v')"), S, ["cpu max=3 1", "cpu max=5 2"])

case("percentile/typical", "n=4, p=50: idx = floor(4·0.5+0.5)−1 = 1 → sorted [1,2,3,3] → 2.",
     win("percentile('v', 50.0)"), B, ["cpu percentile=2 11"])
case("percentile/group_by", "n=3, p=90: idx = floor(2.7+0.5)−1 = 2 → the largest per host.",
     win("percentile('v', 90.0)", 1), A, ["cpu,host=a percentile=5 11", "cpu,host=b percentile=40 11"])
case("percentile/out_of_range", "n=4, p=10: idx = floor(0.4+0.5)−1 = −1 → no output at all.",
     win("percentile('v', 10.0)"), B, [])

# ---- batch producers ----
case("top/typical", """top 2 by value: the two 3s, the earlier (2s) first; every point gets the batch
time 11s.""", win("top(2, 'v')"), B, ["cpu top=3 11", "cpu top=3 11"])
case("top/group_by_point_tags", """top 2 per host window; the output points keep each point's own tags (dc
differs per point) and use their own times with usePointTimes.""",
     """stream
    |from()
        .measurement('cpu')
        .groupBy('host')
    |window()
        .period(10s)
        .every(10s)
    |top(2, 'v')
        .usePointTimes()
    |influxDBOut()
        .precision('s')""",
     "cpu,host=a,dc=x v=1 1\ncpu,host=a,dc=y v=7 2\ncpu,host=a,dc=z v=5 3\ncpu,host=a v=0 11",
     ["cpu,dc=y,host=a top=7 2", "cpu,dc=z,host=a top=5 3"])
case("top/n_larger_than_batch", "top 5 of 2 points: both, largest first.", win("top(5, 'v')"),
     "cpu v=1i 1\ncpu v=2i 2\ncpu v=0i 11", ["cpu top=2i 11", "cpu top=1i 11"])

case("bottom/typical", "bottom 2: 1 (1s) then 2 (3s).", win("bottom(2, 'v')"), B, ["cpu bottom=1 11", "cpu bottom=2 11"])
case("bottom/group_by", "bottom 1 per host.", win("bottom(1, 'v')", 1), A,
     ["cpu,host=a bottom=1 11", "cpu,host=b bottom=10 11"])
case("bottom/ties_earlier_first", """three points share the lowest value; ties go to the earlier time, shown
with usePointTimes (3s then 4s).""", win("bottom(2, 'v')\n        .usePointTimes()"),
     "cpu v=5 1\ncpu v=2 3\ncpu v=2 4\ncpu v=2 5\ncpu v=0 11", ["cpu bottom=2 3", "cpu bottom=2 4"])

case("distinct/typical", "distinct values 1, 3, 2 in time order of their first point.", win("distinct('v')"), B,
     ["cpu distinct=1 11", "cpu distinct=3 11", "cpu distinct=2 11"])
case("distinct/group_by", "per host all values are distinct.", win("distinct('v')", 1), A,
     ["cpu,host=a distinct=1 11", "cpu,host=a distinct=3 11", "cpu,host=a distinct=5 11",
      "cpu,host=b distinct=10 11", "cpu,host=b distinct=20 11", "cpu,host=b distinct=40 11"])
case("distinct/strings_point_times", "strings; with usePointTimes each value keeps its first point's time.",
     win("distinct('s')\n        .usePointTimes()"),
     'cpu s="x" 1\ncpu s="y" 2\ncpu s="x" 3\ncpu s="z" 11', ['cpu distinct="x" 1', 'cpu distinct="y" 2'])

# ---- transforms: per point, point times, state reset per batch ----
case("difference/typical", "batch: 3−1, 2−3, 3−2 at the later point's time; the first point has none.",
     win("difference('v')"), B, ["cpu difference=2 2", "cpu difference=-1 3", "cpu difference=1 4"])
case("difference/group_by", "stream, per host state: each host's second and third points.",
     strm("difference('v')", 1), A,
     ["cpu,host=a difference=2 2", "cpu,host=b difference=10 2", "cpu,host=a difference=2 3",
      "cpu,host=b difference=20 3", "cpu,host=a difference=2 11", "cpu,host=b difference=30 11"])
case("difference/same_time_ignored", "stream: the second point at 1s does not advance time and is ignored; ints stay ints.",
     strm("difference('v')"), "cpu v=1i 1\ncpu v=5i 1\ncpu v=4i 2\ncpu v=10i 3",
     ["cpu difference=3i 2", "cpu difference=6i 3"])

case("cumulativeSum/typical", "batch running sum 1, 4, 6, 9 at each point's time.", win("cumulativeSum('v')"), B,
     ["cpu cumulativeSum=1 1", "cpu cumulativeSum=4 2", "cpu cumulativeSum=6 3", "cpu cumulativeSum=9 4"])
case("cumulativeSum/group_by", "stream per host.", strm("cumulativeSum('v')", 1), A,
     ["cpu,host=a cumulativeSum=1 1", "cpu,host=b cumulativeSum=10 1", "cpu,host=a cumulativeSum=4 2",
      "cpu,host=b cumulativeSum=30 2", "cpu,host=a cumulativeSum=9 3", "cpu,host=b cumulativeSum=70 3",
      "cpu,host=a cumulativeSum=16 11", "cpu,host=b cumulativeSum=140 11"])
case("cumulativeSum/reset_per_batch", """two windows: the sum restarts in the second batch ([11s,21s) holds
5i, 6i); ints stay ints.""", win("cumulativeSum('v')"),
     "cpu v=1i 1\ncpu v=2i 2\ncpu v=5i 11\ncpu v=6i 12\ncpu v=0i 21",
     ["cpu cumulativeSum=1i 1", "cpu cumulativeSum=3i 2", "cpu cumulativeSum=5i 11", "cpu cumulativeSum=11i 12"])

case("movingAverage/typical", "window of 2: no output until 2 points, then (1+3)/2, (3+2)/2, (2+3)/2.",
     win("movingAverage('v', 2)"), B,
     ["cpu movingAverage=2 2", "cpu movingAverage=2.5 3", "cpu movingAverage=2.5 4"])
case("movingAverage/group_by", "stream per host, window 3: only the third and fourth points of each host.",
     strm("movingAverage('v', 3)", 1), A,
     ["cpu,host=a movingAverage=3 3", "cpu,host=b movingAverage=23.333333333333332 3",
      "cpu,host=a movingAverage=5 11", "cpu,host=b movingAverage=43.333333333333336 11"])
case("movingAverage/ints", "int input gives floats: (1i+2i)/2 = 1.5.", strm("movingAverage('v', 2)"),
     "cpu v=1i 1\ncpu v=2i 2\ncpu v=4i 3", ["cpu movingAverage=1.5 2", "cpu movingAverage=3 3"])

case("elapsed/typical", "batch: 1s between consecutive points, as ints in units of 1s.",
     win("elapsed('v', 1s)"), B, ["cpu elapsed=1i 2", "cpu elapsed=1i 3", "cpu elapsed=1i 4"])
case("elapsed/group_by", "stream per host, unit 1s: 1, 1, then 8 (3s → 11s).", strm("elapsed('v', 1s)", 1), A,
     ["cpu,host=a elapsed=1i 2", "cpu,host=b elapsed=1i 2", "cpu,host=a elapsed=1i 3",
      "cpu,host=b elapsed=1i 3", "cpu,host=a elapsed=8i 11", "cpu,host=b elapsed=8i 11"])
case("elapsed/unit_ms_any_type", "unit 1ms over a string field (any type works): 1000 and 2500 ms; ns input.",
     strm("elapsed('s', 1ms)"), 'cpu s="a" 1000000000\ncpu s="b" 2000000000\ncpu s="c" 4500000000',
     ["cpu elapsed=1000i 2", "cpu elapsed=2500i 4"], args="")

# ---- holtWinters: a zero series is forecast exactly (level and trend 0) ----
Z = "cpu v=0 1\ncpu v=0 2\ncpu v=0 3\ncpu v=0 4\ncpu v=0 11"
case("holtWinters/typical", """a constant 0 series (4 points 1s apart in the window): level 0, trend 0,
so the 3 forecasts are exactly 0, at last time + k·interval = 5s, 6s, 7s.""",
     win("holtWinters('v', 3, 0, 1s)"), Z, ["cpu holtWinters=0 5", "cpu holtWinters=0 6", "cpu holtWinters=0 7"])
case("holtWinters/group_by", "per host, h=1: the forecast is tagged with the host group tags.",
     win("holtWinters('v', 1, 0, 1s)", 1),
     "cpu,host=a v=0 1\ncpu,host=b v=0 1\ncpu,host=a v=0 2\ncpu,host=b v=0 2\ncpu,host=a v=0 11\ncpu,host=b v=0 11",
     ["cpu,host=a holtWinters=0 3", "cpu,host=b holtWinters=0 3"])
case("holtWinters/with_fit_and_too_little_data", """holtWintersWithFit names its field holtWinters and
also outputs the fitted values from the first time (1s..4s) then the forecast (5s); the second window holds
one point only, which is too little data: no output.""",
     win("holtWintersWithFit('v', 1, 0, 1s)"), Z + "\ncpu v=0 21",
     ["cpu holtWinters=0 1", "cpu holtWinters=0 2", "cpu holtWinters=0 3", "cpu holtWinters=0 4", "cpu holtWinters=0 5"])
