//! `holtWinters` / `holtWintersWithFit` (reference §4.3): InfluxDB 1.x's
//! `holt_winters` forecast, written from its description:
//!
//! 1. The points (sorted by time) are bucketed on `interval`: each time is
//!    rounded to a multiple of the interval (a remainder above half rounds
//!    up); the first value of a bucket wins, empty buckets are NaN.
//! 2. Initial level l0 (mean of the first season, or y0), trend b0 (mean
//!    season-over-season slope, or y1 − y0) and seasonal factors y[i]/l0.
//! 3. For each start (α, β, γ) on the grid {0, 0.5, 1}³ with φ = 1, a
//!    Nelder–Mead simplex (scale 1, ε = 1e-4, at most 1000 iterations,
//!    reflection 1, contraction 0.5, expansion 2) minimises the sum of
//!    squared one-step errors over the known values; the best fit wins.
//! 4. The damped multiplicative model is run over the data and h steps
//!    further. Like InfluxDB, each step feeds on the previous *forecast*
//!    and parameters are clamped to [0, 1] in place while evaluating, and
//!    the seasonal factors are updated in place.
//!
//! Output: the h forecast points at last time + k·interval, or with fit
//! every non-NaN fitted value from the first time on.

const EPSILON: f64 = 1.0e-4;
/// The most buckets (data span / interval), forecasts or season length
/// accepted; beyond it there is no output.
pub const MAX_SERIES: i64 = 1_000_000;
const MAX_ITERATIONS: usize = 1000;
const REFLECT: f64 = 1.0;
const CONTRACT: f64 = 0.5;
const EXPAND: f64 = 2.0;

/// The model over one bucketed series.
struct Model {
    y: Vec<f64>,
    seasonal: bool,
}

impl Model {
    fn constrain(p: &mut [f64]) {
        for v in p.iter_mut().take(4) {
            *v = v.clamp(0.0, 1.0);
        }
    }

    /// Run the model for len(y) + h steps, mutating `p` as InfluxDB does.
    fn forecast(&self, h: usize, p: &mut [f64]) -> Vec<f64> {
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
        let l = self.y.len();
        let mut out = vec![0.0; l + h];
        out[0] = y_t;
        let (mut stm, mut stmh) = (1.0, 1.0);
        for t in 1..l + h {
            if self.seasonal {
                let hm = t % m;
                // (t − m + so) mod m with t + so ≥ m − 1 + 1 ≥ m: no underflow.
                stm = p[6 + (t + so - m) % m];
                stmh = p[6 + (t + hm + so - m) % m];
            }
            let lt = alpha * (y_t / stm) + (1.0 - alpha) * (l_t + phi * b_t);
            let bt = beta * (lt - l_t) + (1.0 - beta) * phi * b_t;
            let st = gamma * (y_t / (l_t + b_t)) + (1.0 - gamma) * stm;
            y_t = (lt + phi_h * bt) * stmh;
            l_t = lt;
            b_t = bt;
            phi_h += phi.powi(t as i32);
            if self.seasonal {
                p[6 + (t + so) % m] = st;
                so += 1;
            }
            out[t] = y_t;
        }
        out
    }

    fn sse(&self, p: &mut [f64]) -> f64 {
        let f = self.forecast(0, p);
        let mut sse = 0.0;
        for (fi, yi) in f.iter().zip(&self.y) {
            if !yi.is_nan() {
                if fi.is_nan() {
                    return f64::INFINITY;
                }
                sse += (fi - yi) * (fi - yi);
            }
        }
        sse
    }
}

/// Nelder–Mead minimisation of `f` from `start` (a regular simplex of side
/// `scale` around it). Returns (f(best), best).
fn nelder_mead(
    f: &mut dyn FnMut(&mut [f64]) -> f64,
    start: &[f64],
    eps: f64,
    scale: f64,
) -> (f64, Vec<f64>) {
    let n = start.len();
    let nf = n as f64;
    let pn = scale * ((nf + 1.0).sqrt() - 1.0 + nf) / (nf * 2f64.sqrt());
    let qn = scale * ((nf + 1.0).sqrt() - 1.0) / (nf * 2f64.sqrt());
    let mut v: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    v.push(start.to_vec());
    for i in 1..=n {
        v.push(
            (0..n)
                .map(|j| start[j] + if i - 1 == j { pn } else { qn })
                .collect(),
        );
    }
    let mut fv: Vec<f64> = v.iter_mut().map(|x| f(x)).collect();
    let mut vr = vec![0.0; n];
    let mut ve = vec![0.0; n];
    let mut vc = vec![0.0; n];
    let mut vm = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        // Largest (vg), smallest (vs), second largest (vh).
        let (mut vg, mut vs) = (0, 0);
        for i in 0..=n {
            if fv[i] > fv[vg] {
                vg = i;
            }
            if fv[i] < fv[vs] {
                vs = i;
            }
        }
        let mut vh = vs;
        for i in 0..=n {
            if fv[i] > fv[vh] && fv[i] < fv[vg] {
                vh = i;
            }
        }
        for (i, c) in vm.iter_mut().enumerate() {
            *c = (0..=n).filter(|&k| k != vg).map(|k| v[k][i]).sum::<f64>() / nf;
        }
        for i in 0..n {
            vr[i] = vm[i] + REFLECT * (vm[i] - v[vg][i]);
        }
        let fr = f(&mut vr);
        if fr < fv[vh] && fr >= fv[vs] {
            v[vg].copy_from_slice(&vr);
            fv[vg] = fr;
        }
        if fr < fv[vs] {
            for i in 0..n {
                ve[i] = vm[i] + EXPAND * (vr[i] - vm[i]);
            }
            let fe = f(&mut ve);
            if fe < fr {
                v[vg].copy_from_slice(&ve);
                fv[vg] = fe;
            } else {
                v[vg].copy_from_slice(&vr);
                fv[vg] = fr;
            }
        }
        if fr >= fv[vh] {
            if fr < fv[vg] && fr >= fv[vh] {
                for i in 0..n {
                    vc[i] = vm[i] + CONTRACT * (vr[i] - vm[i]);
                }
            } else {
                for i in 0..n {
                    vc[i] = vm[i] - CONTRACT * (vm[i] - v[vg][i]);
                }
            }
            let fc = f(&mut vc);
            if fc < fv[vg] {
                v[vg].copy_from_slice(&vc);
                fv[vg] = fc;
            } else {
                // Shrink every vertex halfway towards the best one.
                let best = v[vs].clone();
                for (row, vert) in v.iter_mut().enumerate() {
                    if row != vs {
                        for i in 0..n {
                            vert[i] = best[i] + (vert[i] - best[i]) / 2.0;
                        }
                    }
                }
                fv[vg] = f(&mut v[vg]);
                fv[vh] = f(&mut v[vh]);
            }
        }
        let avg = fv.iter().sum::<f64>() / (nf + 1.0);
        let s = (fv.iter().map(|x| (x - avg).powi(2) / nf).sum::<f64>()).sqrt();
        if s < eps {
            break;
        }
    }
    let mut vs = 0;
    for i in 0..=n {
        if fv[i] < fv[vs] {
            vs = i;
        }
    }
    let mut best = v[vs].clone();
    let min = f(&mut best);
    (min, v[vs].clone())
}

/// Forecast `h` values (seasonal period `m`; < 2 = not seasonal) from
/// `points` (time, value) bucketed on `interval` ns. With `fit`, also the
/// fitted values. Returns (time, value) pairs; empty when there is too
/// little data.
pub fn holt_winters(
    points: &[(i64, f64)],
    h: i64,
    m: i64,
    fit: bool,
    interval: i64,
) -> Vec<(i64, f64)> {
    let seasonal = m >= 2;
    let mut pts = points.to_vec();
    pts.sort_by_key(|p| p.0);
    let l = pts.len();
    if l < 2 || (seasonal && (l as i64) < m) || h <= 0 || interval <= 0 {
        return Vec::new();
    }
    let half = interval / 2;
    let round = |t: i64| {
        let r = t % interval;
        if r > half {
            (t / interval + 1) * interval
        } else {
            (t / interval) * interval
        }
    };
    let (start, stop) = (round(pts[0].0), round(pts[l - 1].0));
    let buckets = (stop - start) / interval;
    if buckets <= 0 {
        return Vec::new();
    }
    // Bounded work: a tiny interval over a long span (or a huge h) would
    // otherwise allocate without limit. Such a request gives no output.
    if buckets > MAX_SERIES || h > MAX_SERIES || m > MAX_SERIES {
        return Vec::new();
    }
    let mut y = vec![pts[0].1];
    let mut t = start;
    for p in &pts[1..] {
        let rt = round(p.0);
        if rt <= t {
            continue;
        }
        t += interval;
        while rt != t {
            y.push(f64::NAN);
            t += interval;
        }
        y.push(p.1);
    }
    let m = if seasonal { m as usize } else { 0 };
    let mut l0 = 0.0;
    if seasonal {
        for yi in y.iter().take(m) {
            if !yi.is_nan() {
                l0 += yi / m as f64;
            }
        }
    } else {
        l0 = y[0];
    }
    let mut b0 = 0.0;
    if seasonal {
        for i in 0..m {
            if m + i >= y.len() {
                break;
            }
            if !y[i].is_nan() && !y[m + i].is_nan() {
                b0 += (y[m + i] - y[i]) / (m * m) as f64;
            }
        }
    } else if !y[1].is_nan() {
        b0 = y[1] - y[0];
    }
    let mut params = vec![0.0; 6 + m];
    params[4] = l0;
    params[5] = b0;
    for i in 0..m {
        params[6 + i] = if y.get(i).is_some_and(|v| !v.is_nan()) {
            y[i] / l0
        } else {
            0.0
        };
    }
    let model = Model { y, seasonal };
    let mut min_sse = f64::INFINITY;
    let mut best: Option<Vec<f64>> = None;
    let grid = [0.0, 0.5, 1.0];
    for &alpha in &grid {
        for &beta in &grid {
            for &gamma in &grid {
                params[0] = alpha;
                params[1] = beta;
                params[2] = gamma;
                params[3] = 1.0;
                let (sse, p) = nelder_mead(&mut |x| model.sse(x), &params, EPSILON, 1.0);
                if sse < min_sse || best.is_none() {
                    min_sse = sse;
                    best = Some(p);
                }
            }
        }
    }
    let mut best = best.unwrap_or(params);
    let forecast = model.forecast(h as usize, &mut best);
    if fit {
        let start = pts[0].0;
        forecast
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| (start + interval * i as i64, *v))
            .collect()
    } else {
        let stop = pts[l - 1].0;
        forecast[model.y.len()..]
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| (stop + interval * (i as i64 + 1), *v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let mut f = |x: &mut [f64]| (x[0] - 3.0).powi(2) + (x[1] + 1.0).powi(2);
        let (min, p) = nelder_mead(&mut f, &[0.0, 0.0], 1e-10, 1.0);
        assert!(min < 1e-6, "{min}");
        assert!(
            (p[0] - 3.0).abs() < 1e-2 && (p[1] + 1.0).abs() < 1e-2,
            "{p:?}"
        );
    }

    #[test]
    fn a_linear_series_forecasts_its_trend() {
        let pts: Vec<(i64, f64)> = (0..10).map(|i| (i * 10, 5.0 + 2.0 * i as f64)).collect();
        let out = holt_winters(&pts, 3, 0, false, 10);
        assert_eq!(out.len(), 3);
        assert_eq!(
            out.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![100, 110, 120]
        );
        for (k, (_, v)) in out.iter().enumerate() {
            let want = 5.0 + 2.0 * (10 + k) as f64;
            // The fit stops at an SSE spread of 1e-4, so the forecast is close, not exact.
            assert!((v - want).abs() < 0.05, "{v} vs {want}");
        }
    }

    #[test]
    fn with_fit_includes_the_fitted_values() {
        let pts: Vec<(i64, f64)> = (0..6).map(|i| (i * 10, i as f64)).collect();
        let out = holt_winters(&pts, 2, 0, true, 10);
        assert_eq!(out.len(), 8);
        assert_eq!(out[0], (0, 0.0));
        assert_eq!(out[7].0, 70);
    }

    #[test]
    fn seasonal_series_is_finite_and_too_little_data_gives_nothing() {
        let season = [1.0, 3.0, 2.0, 5.0];
        let pts: Vec<(i64, f64)> = (0..16)
            .map(|i| (i, 10.0 + season[i as usize % 4]))
            .collect();
        let out = holt_winters(&pts, 4, 4, false, 1);
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|p| p.1.is_finite()));
        assert!(holt_winters(&pts[..1], 4, 0, false, 1).is_empty());
        assert!(holt_winters(&pts[..3], 4, 4, false, 1).is_empty());
        assert!(holt_winters(&pts, 0, 4, false, 1).is_empty());
        // A 1ns interval over an hour: too many buckets, no output (no hang).
        let far = [(0, 1.0), (3_600_000_000_000, 2.0)];
        assert!(holt_winters(&far, 1, 0, false, 1).is_empty());
    }
}
