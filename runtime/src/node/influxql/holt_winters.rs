//! `holtWinters` / `holtWintersWithFit` (reference §4.3): Kapacitor runs
//! InfluxQL's Holt-Winters reducer; this is that reducer, step for step, so
//! the forecasts agree number for number:
//!
//! 1. Points are taken in input order and bucketed on `interval`: a time is
//!    rounded to a multiple of the interval (a remainder above half rounds
//!    up); the first value of a bucket wins, a later point whose bucket is
//!    not after the previous one is dropped, skipped buckets are NaN.
//! 2. Starting guesses. Seasonal (m ≥ 2): level = mean of the first season,
//!    trend = Σ (y[m+i] − y[i]) / m², factors y[i] / level. Otherwise:
//!    level = ½·y0, trend = ½·(y1 − y0) — InfluxQL weights both by 0.5.
//! 3. Nelder–Mead ([`nelder_mead`]) from each of the 16 starts α, β, γ, φ ∈
//!    {0.3, 0.7} (φ innermost) minimises the sum of squared one-step errors
//!    over the known values; a start's result replaces the best one only on
//!    a strictly lower error.
//! 4. The damped multiplicative model runs over the data and h steps
//!    further. Like InfluxQL, each step feeds on the previous *forecast*,
//!    the parameters are clamped to [0, 1] in place, the seasonal factors
//!    are rewritten in place, and the seasonal update divides by the
//!    previous level plus φ times the previous trend.
//!
//! Output: forecast k (1..=h) at last input time + k·interval; with fit,
//! value i of the whole run at first input time + i·interval; NaNs are
//! skipped. The expected numbers of the tests come from an independent
//! Python transcription, `spec/gen/holt_winters.py`.

mod nelder_mead;

use std::fmt;

const EPSILON: f64 = 1.0e-4;
/// InfluxQL's weight on the non-seasonal starting level and trend.
const START_WEIGHT: f64 = 0.5;
/// The starting grid: each of α, β, γ, φ from 0.3 in steps of 0.4 below 1
/// (computed as InfluxQL does, by repeated float addition).
const GUESS_LOWER: f64 = 0.3;
const GUESS_UPPER: f64 = 1.0;
const GUESS_STEP: f64 = 0.4;
/// The most buckets (data span / interval), forecasts or season length
/// accepted; beyond it the batch gives an error instead of unbounded work.
pub const MAX_SERIES: i64 = 1_000_000;

/// Why a batch gives no forecast although it has enough points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoltWintersError {
    /// The interval is not positive (the node's build rejects this).
    BadInterval(i64),
    /// More than [`MAX_SERIES`] buckets, forecasts or season points.
    TooLarge,
    /// The points fill fewer buckets than one season; InfluxQL indexes
    /// past the end of its series here (a Go panic that stops the task).
    SeasonLongerThanSeries { m: i64, buckets: usize },
    /// A rounded or output time does not fit in 64-bit nanoseconds.
    TimeOverflow,
}

impl fmt::Display for HoltWintersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoltWintersError::BadInterval(i) => write!(f, "interval must be positive, got {i}ns"),
            HoltWintersError::TooLarge => write!(
                f,
                "more than {MAX_SERIES} intervals, forecasts or season points requested; no output"
            ),
            HoltWintersError::SeasonLongerThanSeries { m, buckets } => write!(
                f,
                "season of {m} points is longer than the {buckets} intervals of data; no output"
            ),
            HoltWintersError::TimeOverflow => {
                write!(
                    f,
                    "forecast time out of range (int64 nanoseconds); no output"
                )
            }
        }
    }
}

impl std::error::Error for HoltWintersError {}

/// `x`ⁿ for n ≥ 0 as Go's `math.Pow` computes an integer power: repeated
/// squaring of the mantissa, multiplying in the set bits of n from the
/// lowest, the exponent kept apart and applied once at the end.
fn go_pow_int(x: f64, n: u32) -> f64 {
    if n == 0 || x == 1.0 {
        return 1.0;
    }
    if n == 1 || x.is_nan() {
        return x;
    }
    if x == 0.0 {
        // Go: ±0 to a positive integer power keeps the sign only for odd n.
        return if n.is_multiple_of(2) { 0.0 } else { x };
    }
    if x.is_infinite() {
        return if x > 0.0 || n.is_multiple_of(2) {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
    }
    let (mut m, mut e) = frexp(x);
    let (mut acc, mut acc_e) = (1.0, 0i64);
    let mut i = n;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&e) {
            // Go's "catastrophic overflow" exit: let the final scaling decide.
            acc_e += e;
            break;
        }
        if i & 1 == 1 {
            acc *= m;
            acc_e += e;
        }
        m *= m;
        e <<= 1;
        if m < 0.5 {
            m += m;
            e -= 1;
        }
        i >>= 1;
    }
    ldexp(acc, acc_e)
}

/// x = m·2^e with 0.5 ≤ |m| < 1 (x finite, non-zero).
fn frexp(x: f64) -> (f64, i64) {
    let (x, bias) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), -64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1022;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp + bias)
}

/// m·2^e, rounded once.
fn ldexp(m: f64, e: i64) -> f64 {
    let pow2 = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    if e > 1023 {
        let r = m * pow2(1023);
        return if e - 1023 > 1023 {
            r * f64::INFINITY.abs()
        } else {
            r * pow2(e - 1023)
        };
    }
    if e < -1022 {
        if e < -1022 - 64 {
            return 0.0 * m;
        }
        // The first step is exact (|m| < 1 keeps it normal), the second rounds.
        return (m * pow2(e + 64)) * pow2(-64);
    }
    m * pow2(e)
}

/// The model over one bucketed series.
struct Model {
    y: Vec<f64>,
    seasonal: bool,
}

impl Model {
    /// Clamp α, β, γ, φ to [0, 1] in place. `f64::clamp` keeps a NaN and a
    /// −0.0 as they are, exactly like Go's two comparisons.
    fn constrain(p: &mut [f64]) {
        for v in p.iter_mut().take(4) {
            *v = v.clamp(0.0, 1.0);
        }
    }

    /// Run the model for len(y) + h steps, calling `out(t, ŷ_t)` for each
    /// step; mutates `p` as InfluxQL does.
    fn run(&self, h: usize, p: &mut [f64], mut out: impl FnMut(usize, f64)) {
        Self::constrain(p);
        let (alpha, beta, gamma, phi) = (p[0], p[1], p[2], p[3]);
        let mut y_t = self.y[0];
        let mut phi_h = phi;
        let mut l_t = p[4];
        let mut b_t = p[5];
        let m = p.len() - 6;
        let mut so = 0usize;
        if self.seasonal {
            if m == 1 {
                p[6] = 1.0;
            }
            so = m - 1;
        }
        out(0, y_t);
        let (mut stm, mut stmh) = (1.0, 1.0);
        for t in 1..self.y.len() + h {
            if self.seasonal {
                let hm = t % m;
                // (t − m + so) with so ≥ m − 1 and t ≥ 1: never negative.
                stm = p[6 + (t + so - m) % m];
                stmh = p[6 + (t + hm + so - m) % m];
            }
            let lt = alpha * (y_t / stm) + (1.0 - alpha) * (l_t + phi * b_t);
            let bt = beta * (lt - l_t) + (1.0 - beta) * phi * b_t;
            let st = gamma * (y_t / (l_t + phi * b_t)) + (1.0 - gamma) * stm;
            y_t = (lt + phi_h * bt) * stmh;
            l_t = lt;
            b_t = bt;
            // t < len + h ≤ 2·MAX_SERIES + 1 fits in u32.
            phi_h += go_pow_int(phi, t as u32);
            if self.seasonal {
                p[6 + (t + so) % m] = st;
                so += 1;
            }
            out(t, y_t);
        }
    }

    /// Sum of squared errors over the known values; +∞ when the model gives
    /// NaN where a value is known.
    fn sse(&self, p: &mut [f64]) -> f64 {
        let mut sse = 0.0;
        let mut nan = false;
        let y = &self.y;
        self.run(0, p, |t, f| {
            if nan || y[t].is_nan() {
                return;
            }
            if f.is_nan() {
                nan = true;
            } else {
                sse += (f - y[t]) * (f - y[t]);
            }
        });
        if nan {
            f64::INFINITY
        } else {
            sse
        }
    }
}

/// InfluxQL's rounding of a time to the interval grid (Go's truncating `/`
/// and `%`), checked: a time within half an interval of i64::MAX has no
/// bucket.
fn round_time(t: i64, interval: i64) -> Result<i64, HoltWintersError> {
    let q = t / interval;
    let q = if t % interval > interval / 2 {
        q + 1
    } else {
        q
    };
    q.checked_mul(interval)
        .ok_or(HoltWintersError::TimeOverflow)
}

/// Forecast `h` values (seasonal period `m`; < 2 = not seasonal) from
/// `points` (time, value) in input order, bucketed on `interval` ns. With
/// `fit`, the fitted values come first. `Ok(vec![])` when there is too
/// little data, as InfluxQL emits nothing then.
pub fn holt_winters(
    points: &[(i64, f64)],
    h: i64,
    m: i64,
    fit: bool,
    interval: i64,
) -> Result<Vec<(i64, f64)>, HoltWintersError> {
    if interval <= 0 {
        return Err(HoltWintersError::BadInterval(interval));
    }
    let seasonal = m >= 2;
    let l = points.len();
    if l < 2 || (seasonal && (l as i64) < m) || h <= 0 {
        return Ok(Vec::new());
    }
    let start = round_time(points[0].0, interval)?;
    let stop = round_time(points[l - 1].0, interval)?;
    let buckets = stop
        .checked_sub(start)
        .ok_or(HoltWintersError::TimeOverflow)?
        / interval;
    if buckets <= 0 {
        return Ok(Vec::new());
    }
    // Bounded work: a tiny interval over a long span (or a huge h) would
    // otherwise allocate without limit.
    if buckets > MAX_SERIES || h > MAX_SERIES || m > MAX_SERIES {
        return Err(HoltWintersError::TooLarge);
    }
    let mut y = vec![points[0].1];
    let mut t = start;
    for p in &points[1..] {
        let rt = round_time(p.0, interval)?;
        if rt <= t {
            continue;
        }
        // Both on the grid and start ≤ t < rt ≤ stop: no overflow.
        t += interval;
        while rt != t {
            y.push(f64::NAN);
            t += interval;
        }
        y.push(p.1);
    }
    let m = if seasonal { m as usize } else { 0 };
    if y.len() < m {
        return Err(HoltWintersError::SeasonLongerThanSeries {
            m: m as i64,
            buckets: y.len(),
        });
    }
    let mut params = vec![0.0; 6 + m];
    if seasonal {
        let mut l0 = 0.0;
        for yi in y.iter().take(m) {
            if !yi.is_nan() {
                l0 += (1.0 / m as f64) * yi;
            }
        }
        let mut b0 = 0.0;
        for i in 0..m {
            if m + i >= y.len() {
                break;
            }
            if !y[i].is_nan() && !y[m + i].is_nan() {
                b0 += 1.0 / (m * m) as f64 * (y[m + i] - y[i]);
            }
        }
        params[4] = l0;
        params[5] = b0;
        for i in 0..m {
            params[6 + i] = if y[i].is_nan() { 0.0 } else { y[i] / l0 };
        }
    } else {
        params[4] = START_WEIGHT * y[0];
        if !y[1].is_nan() {
            params[5] = START_WEIGHT * (y[1] - y[0]);
        }
    }
    let model = Model { y, seasonal };
    let mut grid = Vec::with_capacity(2);
    let mut g = GUESS_LOWER;
    while g < GUESS_UPPER {
        grid.push(g);
        g += GUESS_STEP;
    }
    let mut min_sse = f64::INFINITY;
    let mut best: Option<Vec<f64>> = None;
    for &alpha in &grid {
        for &beta in &grid {
            for &gamma in &grid {
                for &phi in &grid {
                    params[..4].copy_from_slice(&[alpha, beta, gamma, phi]);
                    let (sse, p) =
                        nelder_mead::minimise(&mut |x| model.sse(x), &params, EPSILON, 1.0);
                    if sse < min_sse || best.is_none() {
                        min_sse = sse;
                        best = Some(p);
                    }
                }
            }
        }
    }
    let mut best = best.unwrap_or(params);
    let n = model.y.len();
    let mut forecast = Vec::with_capacity(n + h as usize);
    model.run(h as usize, &mut best, |_, v| forecast.push(v));
    let (first, skip, base) = if fit {
        (points[0].0, 0, 0)
    } else {
        (points[l - 1].0, n, 1)
    };
    let mut out = Vec::with_capacity(forecast.len() - skip);
    for (i, v) in forecast[skip..].iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        let time = interval
            .checked_mul(i as i64 + base)
            .and_then(|d| first.checked_add(d))
            .ok_or(HoltWintersError::TimeOverflow)?;
        out.push((time, *v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
