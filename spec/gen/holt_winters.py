#!/usr/bin/env python3
"""Independent model of Kapacitor's holtWinters / holtWintersWithFit.

This is an INDEPENDENT TRANSCRIPTION, written in Python from a reading of
InfluxQL's Holt-Winters reducer (influxdb `query/functions.go`,
FloatHoltWintersReducer) and its Nelder-Mead optimizer
(influxdb `influxql/neldermead`), which Kapacitor's holtWinters node calls.
It shares no code with the Rust runtime; the spec/run/holtWinters cases and
the unit tests in runtime/src/node/influxql/holt_winters.rs take their
expected numbers from it.

The rules it follows (each one is a fact of the Go code):
- Points are bucketed on `interval`: a time is rounded to a multiple of the
  interval (remainder > interval/2 rounds up; Go's truncating / and %);
  the first value of a bucket wins, a skipped bucket is NaN. Points are
  taken in input order (no sort): a point whose bucket is not after the
  previous one is dropped.
- No output when there are fewer than 2 points, (seasonal, m >= 2) fewer
  points than m, h <= 0, or fewer than one interval between the rounded
  first and last times.
- Starting guesses: seasonal: level = mean of the first season (NaNs count
  as 0 but still divide by m), trend = sum over the first season of
  (y[m+i] - y[i]) / m^2, seasonal factors y[i] / level (0 for NaN);
  non-seasonal: level = 0.5 * y[0], trend = 0.5 * (y[1] - y[0]) (0 if y[1]
  is NaN).
- Nelder-Mead from each of the 16 starts alpha, beta, gamma, phi in
  {0.3, 0.3 + 0.4} (phi innermost), simplex scale 1, epsilon 1e-4, at most
  1000 iterations, reflection 1, contraction 0.5, expansion 2; a start's
  result replaces the best only when its error is strictly lower.
- The model (damped, multiplicative season) feeds each step on the previous
  *forecast*, clamps alpha..phi to [0, 1] in the parameter vector itself and
  rewrites the seasonal factors in the parameter vector as it goes, so every
  objective evaluation mutates the simplex vertex it is given.
- Go's math.Pow for the integer power phi^t: repeated squaring of the
  mantissa, multiplying in the set bits from the lowest.
- Output: forecast k (1..h) at last input time + k*interval; with fit,
  element i of the whole run at first input time + i*interval; NaN values
  are skipped.

Run it directly to check the transcription against the expected values
published in InfluxDB's own reducer tests (query/functions_test.go) and to
print the forecasts used by the spec cases:

    python3 spec/gen/holt_winters.py

Loaded by mkcases.py it writes the spec/run/holtWinters cases:

    cargo build -p cli && python3 spec/gen/mkcases.py spec/gen/holt_winters.py
"""
import math
from decimal import Decimal

EPSILON = 1.0e-4
MAX_ITERATIONS = 1000
REFLECT, CONTRACT, EXPAND = 1.0, 0.5, 2.0


def go_div(a, b):
    """Go's integer division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def go_mod(a, b):
    return a - go_div(a, b) * b


def go_pow_int(x, n):
    """x**n (n >= 0 integer) the way Go's math.Pow computes it."""
    if n == 0 or x == 1.0:
        return 1.0
    if n == 1:
        return x
    if math.isnan(x):
        return x
    if x == 0.0:
        return x if n % 2 == 1 else 0.0  # +-0 keeps its sign for odd n
    m, e = math.frexp(x)
    acc, acc_e = 1.0, 0
    i = n
    while i != 0:
        if e < -(1 << 12) or (1 << 12) < e:
            acc_e += e  # Go gives up squaring; the final scaling decides
            break
        if i & 1:
            acc *= m
            acc_e += e
        m *= m
        e <<= 1
        if m < 0.5:
            m += m
            e -= 1
        i >>= 1
    return math.ldexp(acc, acc_e)


class Reducer:
    def __init__(self, h, m, fit, interval):
        self.h, self.m, self.fit, self.interval = h, m, fit, interval
        self.seasonal = m >= 2
        self.half = go_div(interval, 2)

    def round_time(self, t):
        r = go_mod(t, self.interval)
        if r > self.half:
            return (go_div(t, self.interval) + 1) * self.interval
        return go_div(t, self.interval) * self.interval

    def clamp(self, p):
        for i in range(4):
            if p[i] > 1:
                p[i] = 1.0
            if p[i] < 0:
                p[i] = 0.0

    def run(self, h, p):
        """The model over len(y) + h steps; mutates p like the Go code."""
        self.clamp(p)
        y = self.y
        alpha, beta, gamma, phi = p[0], p[1], p[2], p[3]
        yt, lt, bt = y[0], p[4], p[5]
        phih = phi
        m = so = 0
        if self.seasonal:
            m = len(p) - 6
            if m == 1:
                p[6] = 1.0
            so = m - 1
        out = [0.0] * (len(y) + h)
        out[0] = yt
        stm = stmh = 1.0
        for t in range(1, len(y) + h):
            if self.seasonal:
                hm = t % m
                stm = p[6 + (t - m + so) % m]
                stmh = p[6 + (t - m + hm + so) % m]
            level = alpha * (yt / stm) + (1 - alpha) * (lt + phi * bt)
            trend = beta * (level - lt) + (1 - beta) * phi * bt
            season = gamma * (yt / (lt + phi * bt)) + (1 - gamma) * stm
            yt = (level + phih * trend) * stmh
            lt, bt = level, trend
            phih += go_pow_int(phi, t)
            if self.seasonal:
                p[6 + (t + so) % m] = season
                so += 1
            out[t] = yt
        return out

    def sse(self, p):
        f = self.run(0, p)
        total = 0.0
        for fi, yi in zip(f, self.y):
            if not math.isnan(yi):
                if math.isnan(fi):
                    return math.inf
                d = fi - yi
                total += d * d
        return total

    def emit(self, points):
        """points: [(time ns, value)] in input order -> [(time, value)]."""
        n = len(points)
        if n < 2 or (self.seasonal and n < self.m) or self.h <= 0:
            return []
        start = self.round_time(points[0][0])
        stop = self.round_time(points[-1][0])
        if go_div(stop - start, self.interval) <= 0:
            return []
        y = [points[0][1]]
        t = start
        for tp, v in points[1:]:
            r = self.round_time(tp)
            if r <= t:
                continue
            t += self.interval
            while r != t:
                y.append(math.nan)
                t += self.interval
            y.append(v)
        self.y = y
        m = self.m
        if self.seasonal:
            l0 = 0.0
            for i in range(m):
                if not math.isnan(y[i]):
                    l0 += (1 / m) * y[i]
            b0 = 0.0
            i = 0
            while i < m and m + i < len(y):
                if not math.isnan(y[i]) and not math.isnan(y[m + i]):
                    b0 += 1 / (m * m) * (y[m + i] - y[i])
                i += 1
            s = [0.0 if math.isnan(y[i]) else y[i] / l0 for i in range(m)]
        else:
            l0 = 0.5 * y[0]
            b0 = 0.0 if math.isnan(y[1]) else 0.5 * (y[1] - y[0])
            s = []
        params = [0.0, 0.0, 0.0, 0.0, l0, b0] + s
        grid = []
        g = 0.3
        while g < 1.0:
            grid.append(g)
            g += 0.4
        best, best_sse = None, math.inf
        for a in grid:
            for b in grid:
                for c in grid:
                    for d in grid:
                        params[0:4] = [a, b, c, d]
                        e, p = nelder_mead(self.sse, params)
                        if e < best_sse or best is None:
                            best, best_sse = p, e
        f = self.run(self.h, best)
        if self.fit:
            t0 = points[0][0]
            return [(t0 + self.interval * i, v) for i, v in enumerate(f) if not math.isnan(v)]
        tn = points[-1][0]
        return [(tn + self.interval * (i + 1), v)
                for i, v in enumerate(f[len(y):]) if not math.isnan(v)]


def nelder_mead(fn, start):
    n = len(start)
    pn = 1.0 * (math.sqrt(n + 1) - 1 + n) / (n * math.sqrt(2))
    qn = 1.0 * (math.sqrt(n + 1) - 1) / (n * math.sqrt(2))
    v = [list(start)]
    for i in range(1, n + 1):
        v.append([(pn if i - 1 == j else qn) + start[j] for j in range(n)])
    f = [fn(x) for x in v]
    for _ in range(MAX_ITERATIONS):
        vg = vs = 0
        for i in range(n + 1):
            if f[i] > f[vg]:
                vg = i
            if f[i] < f[vs]:
                vs = i
        vh = vs
        for i in range(n + 1):
            if f[vg] > f[i] > f[vh]:
                vh = i
        vm = []
        for i in range(n):
            c = 0.0
            for k in range(n + 1):
                if k != vg:
                    c += v[k][i]
            vm.append(c / n)
        vr = [vm[i] + REFLECT * (vm[i] - v[vg][i]) for i in range(n)]
        fr = fn(vr)
        if f[vs] <= fr < f[vh]:
            v[vg] = list(vr)
            f[vg] = fr
        if fr < f[vs]:
            ve = [vm[i] + EXPAND * (vr[i] - vm[i]) for i in range(n)]
            fe = fn(ve)
            if fe < fr:
                v[vg], f[vg] = list(ve), fe
            else:
                v[vg], f[vg] = list(vr), fr
        if fr >= f[vh]:
            if f[vh] <= fr < f[vg]:
                vc = [vm[i] + CONTRACT * (vr[i] - vm[i]) for i in range(n)]
            else:
                vc = [vm[i] - CONTRACT * (vm[i] - v[vg][i]) for i in range(n)]
            fc = fn(vc)
            if fc < f[vg]:
                v[vg], f[vg] = list(vc), fc
            else:
                for row in range(n + 1):
                    if row != vs:
                        v[row] = [v[vs][i] + (v[row][i] - v[vs][i]) / 2.0 for i in range(n)]
                f[vg] = fn(v[vg])
                f[vh] = fn(v[vh])
        total = 0.0
        for x in f:
            total += x
        avg = total / (n + 1)
        s = 0.0
        for x in f:
            s += (x - avg) * (x - avg) / n
        if math.sqrt(s) < EPSILON:
            break
    vs = 0
    for i in range(n + 1):
        if f[i] < f[vs]:
            vs = i
    best = list(v[vs])
    return fn(v[vs]), best


def holt_winters(points, h, m, fit, interval):
    return Reducer(h, m, fit, interval).emit(points)


def fmt(x):
    """A float as Rust's `{}` (and Go's 'f', -1) prints it: shortest, no exponent."""
    s = format(Decimal(repr(x)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


# ---- InfluxDB's published expectations for its reducer (1e-5 tolerance) ----
AUS = [30.052513, 19.148496, 25.317692, 27.591437, 32.076456, 23.487961, 28.47594,
       35.123753, 36.838485, 25.007017, 30.72223, 28.693759, 36.640986, 23.824609,
       29.311683, 31.770309, 35.177877, 19.775244, 29.60175, 34.538842, 41.273599,
       26.655862, 28.279859, 35.191153, 41.727458, 24.04185, 32.328103, 37.328708,
       46.213153, 29.346326, 36.48291, 42.977719, 48.901525, 31.180221, 37.717881,
       40.420211, 51.206863, 31.887228, 40.978263, 43.772491, 55.558567, 33.850915,
       42.076383, 45.642292, 59.76678, 35.191877, 44.319737, 47.913736]
AUS_FORECAST = [51.85064132137853, 43.26055282315273, 41.827258044814464, 54.3990354591749,
                54.62334472770803, 45.57155693625209, 44.06051240252263, 57.30029870759433,
                57.53591513519172, 47.999008139396096]
AUS_MISSING_TIMES = [2, 8, 18, 29, 33, 39, 40]
AUS_MISSING_FORECAST = [54.84533610387743, 41.19329421863249, 45.71673175112451,
                        56.05759298805955, 59.32337460282217, 44.75280096850461,
                        49.98865098113751, 61.86084934967605, 65.95805633454883,
                        50.1502170480547]
USPOP = [3.93, 5.31, 7.24, 9.64, 12.90, 17.10, 23.20, 31.40, 39.80, 50.20, 62.90, 76.00,
         92.00, 105.70, 122.80, 131.70, 151.30, 179.30, 203.20]
USPOP_FIT = [3.93, 4.957405463559748, 7.012210102535647, 10.099589257439924,
             14.229926188104242, 19.418878968703797, 25.68749172281409, 33.062351305731305,
             41.575791076125206, 51.26614395589263, 62.178047564264595, 74.36280483872488,
             87.87880423073163, 102.79200429905801, 119.17648832929542, 137.11509549747296,
             156.70013608313175, 178.03419933863566, 201.23106385518594, 226.4167216525905,
             253.73052878285205, 283.32649700397553, 315.37474308085984, 350.06311454009256,
             387.59901328556873, 428.21144141893404, 472.1532969569147, 519.7039509590035,
             571.1721419458248]
USPOP_MISSING_TIMES = [9, 14, 18]
USPOP_MISSING_FIT = [3.93, 4.8931364428135105, 6.962653629047061, 10.056207765903274,
                     14.18435088129532, 19.362939306110846, 25.613247940326584,
                     32.96213087008264, 41.442230043017204, 51.09223428526052,
                     61.95719155158485, 74.08887794968567, 87.54622778052787,
                     102.39582960014131, 118.7124941463221, 136.57990089987464,
                     156.09133107941278, 177.35049601833734, 200.472471161683,
                     225.58474737097785, 252.82841286206823, 282.35948095261017,
                     314.3503808953992, 348.99163145856954, 386.49371962730555,
                     427.08920989407727, 471.0351131332573, 518.615548088049,
                     570.1447331101863]


def check_published():
    def same(got, want_times, want_values):
        assert [t for t, _ in got] == want_times, (got, want_times)
        for (_, g), w in zip(got, want_values):
            assert abs(g - w) < 1e-5, (g, w)

    aus = [(i + 1, v) for i, v in enumerate(AUS)]
    same(holt_winters(aus, 10, 4, False, 1), list(range(49, 59)), AUS_FORECAST)
    aus_m = [p for p in aus if p[0] not in AUS_MISSING_TIMES]
    same(holt_winters(aus_m, 10, 4, False, 1), list(range(49, 59)), AUS_MISSING_FORECAST)
    us = [(i + 1, v) for i, v in enumerate(USPOP)]
    same(holt_winters(us, 10, 0, True, 1), list(range(1, 30)), USPOP_FIT)
    us_m = [p for p in us if p[0] not in USPOP_MISSING_TIMES]
    same(holt_winters(us_m, 10, 0, True, 1), list(range(1, 30)), USPOP_MISSING_FIT)


# ---- the spec/run cases: each series is one 60s window of 1s points ----
SEC = 1_000_000_000

# trend: 2 + 3t, t = 0..9 s (points at 1s..10s).
TREND = [(t + 1, 2.0 + 3.0 * t) for t in range(10)]
# seasonal: level 10 rising 0.5 per point, times a season of 4 (1.2, 0.8, 1.1, 0.9).
SEASON = [1.2, 0.8, 1.1, 0.9]
SEASONAL = [(t + 1, round((10.0 + 0.5 * t) * SEASON[t % 4], 6)) for t in range(16)]
# constant: 7 at every point.
CONSTANT = [(t + 1, 7.0) for t in range(6)]
# noisy: a fixed pseudo-random walk (given literally, so no RNG is involved).
NOISY = [(1, 10.3), (2, 11.9), (3, 10.8), (4, 12.6), (5, 13.1), (6, 12.2), (7, 14.0),
         (8, 13.4), (9, 15.2), (10, 14.7), (11, 16.3), (12, 15.1)]
# gaps: a line with no point in the 4s, 7s and 8s buckets, and two points sharing
# the 9s bucket (8.6s rounds up to 9s; the first of the two wins); interval 1s.
GAPS_NS = [(1 * SEC, 1.0), (2 * SEC, 2.0), (3 * SEC, 3.0), (5 * SEC, 5.0), (6 * SEC, 6.0),
           (8_600_000_000, 9.0), (9 * SEC, 100.0), (10 * SEC, 10.0)]


def lp(series):
    return "\n".join(f"cpu v={fmt(v)} {t}" for t, v in series) + "\ncpu v=0 61\n"


def script(call):
    return f"""stream
    |from()
        .measurement('cpu')
    |window()
        .period(60s)
        .every(60s)
        .align()
    |{call}
    |influxDBOut()
        .precision('ms')"""


def lines(out):
    # influxDBOut at ms precision: times are whole milliseconds here.
    return [f"cpu holtWinters={fmt(v)} {t // 1_000_000}" for t, v in out]


def ns(series):
    return [(t * SEC, v) for t, v in series]


CASES = [
    ("holtWinters/trend", "a straight line 2 + 3t (1s..10s), 3 forecasts, not seasonal",
     TREND, "holtWinters('v', 3, 0, 1s)", ns(TREND), 3, 0, False),
    ("holtWinters/seasonal", "a rising level times a 4-point season (1s..16s), 4 forecasts, m = 4",
     SEASONAL, "holtWinters('v', 4, 4, 1s)", ns(SEASONAL), 4, 4, False),
    ("holtWinters/constant", "a constant 7 (1s..6s), 2 forecasts with fit, not seasonal",
     CONSTANT, "holtWintersWithFit('v', 2, 0, 1s)", ns(CONSTANT), 2, 0, True),
    ("holtWinters/noisy", "a noisy upward walk (1s..12s), 3 forecasts, m = 3",
     NOISY, "holtWinters('v', 3, 3, 1s)", ns(NOISY), 3, 3, False),
    ("holtWinters/gaps_with_fit", "a line with missing buckets and a shared bucket, fit + 2 forecasts",
     None, "holtWintersWithFit('v', 2, 0, 1s)", GAPS_NS, 2, 0, True),
]

if __name__ == "__main__":
    check_published()
    print("published InfluxDB expectations: ok")
    for name, _, _, call, pts, h, m, fit in CASES:
        print(name, call)
        for l in lines(holt_winters(pts, h, m, fit, SEC)):
            print("  ", l)
else:
    def _input(series, pts):
        if series is not None:
            return lp(series)
        rows = [f"cpu v={fmt(v)} {t // 1_000_000}" for t, v in pts]
        return "\n".join(rows) + "\ncpu v=0 61000\n"

    check_published()
    for name, what, series, call, pts, h, m, fit in CASES:
        comment = f"""{what}.
One 60s window (aligned, [0s,60s)) holds the points; the point at 61s closes it.
Expected values: spec/gen/holt_winters.py, an independent Python transcription of
InfluxQL's Holt-Winters reducer and Nelder-Mead optimizer (checked there against
the values InfluxDB's own reducer tests publish). Forecast k is stamped
last point time + k*interval; with fit, value i is stamped first time + i*interval."""
        args = "--precision s" if series is not None else "--precision ms"
        case(name, comment, script(call), _input(series, pts),
             lines(holt_winters(pts, h, m, fit, SEC)), args=args)
