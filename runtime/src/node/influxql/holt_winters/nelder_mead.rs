//! The Nelder–Mead simplex minimiser exactly as InfluxQL's Holt-Winters
//! reducer runs it (influxdb `influxql/neldermead`, after M. F. Hutt):
//! a regular simplex of side `scale` next to the start, reflection 1,
//! contraction 0.5, expansion 2 (taken when it beats the reflected point,
//! not the best vertex), a shrink halfway to the best vertex that
//! re-evaluates only the worst and second-worst vertices, and a stop when
//! the population standard deviation (÷ n) of the vertex values drops
//! below `eps` or after 1000 iterations.
//!
//! The objective takes its point by `&mut` because the Holt-Winters model
//! clamps and rewrites parameters in place; like InfluxQL, the mutated
//! point is what the simplex keeps.

const MAX_ITERATIONS: usize = 1000;
const REFLECT: f64 = 1.0;
const CONTRACT: f64 = 0.5;
const EXPAND: f64 = 2.0;

/// Minimise `f` from `start`. Returns (f(best), best), where `best` is the
/// best vertex as it stood before that last evaluation.
pub fn minimise(
    f: &mut dyn FnMut(&mut [f64]) -> f64,
    start: &[f64],
    eps: f64,
    scale: f64,
) -> (f64, Vec<f64>) {
    let n = start.len();
    let nf = n as f64;
    let pn = scale * ((nf + 1.0).sqrt() - 1.0 + nf) / (nf * std::f64::consts::SQRT_2);
    let qn = scale * ((nf + 1.0).sqrt() - 1.0) / (nf * std::f64::consts::SQRT_2);
    let mut v: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    v.push(start.to_vec());
    for i in 1..=n {
        v.push(
            (0..n)
                .map(|j| if i - 1 == j { pn } else { qn } + start[j])
                .collect(),
        );
    }
    let mut fv: Vec<f64> = v.iter_mut().map(|x| f(x)).collect();
    let mut vr = vec![0.0; n];
    let mut ve = vec![0.0; n];
    let mut vc = vec![0.0; n];
    let mut vm = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        // Largest (vg), smallest (vs), second largest (vh): first index wins ties.
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
            // An explicit left fold from +0.0, as the Go loop adds.
            let mut cent = 0.0;
            for (k, vert) in v.iter().enumerate() {
                if k != vg {
                    cent += vert[i];
                }
            }
            *c = cent / nf;
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
        let mut sum = 0.0;
        for x in &fv {
            sum += x;
        }
        let avg = sum / (nf + 1.0);
        let mut s = 0.0;
        for x in &fv {
            s += (x - avg) * (x - avg) / nf;
        }
        if s.sqrt() < eps {
            break;
        }
    }
    let mut vs = 0;
    for i in 0..=n {
        if fv[i] < fv[vs] {
            vs = i;
        }
    }
    let best = v[vs].clone();
    let min = f(&mut v[vs]);
    (min, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_quadratic_minimum() {
        let mut f = |x: &mut [f64]| (x[0] - 3.0).powi(2) + (x[1] + 1.0).powi(2);
        let (min, p) = minimise(&mut f, &[0.0, 0.0], 1e-10, 1.0);
        assert!(min < 1e-6, "{min}");
        assert!(
            (p[0] - 3.0).abs() < 1e-2 && (p[1] + 1.0).abs() < 1e-2,
            "{p:?}"
        );
    }

    #[test]
    fn the_first_simplex_is_regular_with_side_scale() {
        // Record the first n + 1 points evaluated: the start and its n neighbours.
        let mut seen: Vec<Vec<f64>> = Vec::new();
        let mut f = |x: &mut [f64]| {
            seen.push(x.to_vec());
            0.0
        };
        minimise(&mut f, &[1.0, 2.0, 3.0], 1.0, 2.0);
        let d = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt()
        };
        for i in 0..4 {
            for j in i + 1..4 {
                assert!((d(&seen[i], &seen[j]) - 2.0).abs() < 1e-12, "{seen:?}");
            }
        }
        assert_eq!(seen[0], vec![1.0, 2.0, 3.0]);
    }
}
