//! Expected values: InfluxDB's own reducer tests publish forecasts of its
//! Go implementation (query/functions_test.go, compared to 1e-5 there and
//! here); the exact values come from `spec/gen/holt_winters.py`, an
//! independent Python transcription of the same reducer (run it to reprint
//! them). Neither is produced by this code.

use super::*;

const AUS: [f64; 48] = [
    30.052513, 19.148496, 25.317692, 27.591437, 32.076456, 23.487961, 28.47594, 35.123753,
    36.838485, 25.007017, 30.72223, 28.693759, 36.640986, 23.824609, 29.311683, 31.770309,
    35.177877, 19.775244, 29.60175, 34.538842, 41.273599, 26.655862, 28.279859, 35.191153,
    41.727458, 24.04185, 32.328103, 37.328708, 46.213153, 29.346326, 36.48291, 42.977719,
    48.901525, 31.180221, 37.717881, 40.420211, 51.206863, 31.887228, 40.978263, 43.772491,
    55.558567, 33.850915, 42.076383, 45.642292, 59.76678, 35.191877, 44.319737, 47.913736,
];

fn close(got: &[(i64, f64)], times: impl IntoIterator<Item = i64>, want: &[f64]) {
    let times: Vec<i64> = times.into_iter().collect();
    assert_eq!(got.iter().map(|p| p.0).collect::<Vec<_>>(), times);
    for ((_, g), w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{g} vs {w}");
    }
}

#[test]
fn seasonal_forecast_matches_influxdbs_published_aus_tourists() {
    let pts: Vec<(i64, f64)> = AUS
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64 + 1, *v))
        .collect();
    let out = holt_winters(&pts, 10, 4, false, 1).unwrap();
    close(
        &out,
        49..59,
        &[
            51.85064132137853,
            43.26055282315273,
            41.827258044814464,
            54.3990354591749,
            54.62334472770803,
            45.57155693625209,
            44.06051240252263,
            57.30029870759433,
            57.53591513519172,
            47.999008139396096,
        ],
    );
    // With 7 points missing (NaN buckets).
    let missing = [2, 8, 18, 29, 33, 39, 40];
    let pts: Vec<(i64, f64)> = pts
        .into_iter()
        .filter(|p| !missing.contains(&p.0))
        .collect();
    let out = holt_winters(&pts, 10, 4, false, 1).unwrap();
    close(
        &out,
        49..59,
        &[
            54.84533610387743,
            41.19329421863249,
            45.71673175112451,
            56.05759298805955,
            59.32337460282217,
            44.75280096850461,
            49.98865098113751,
            61.86084934967605,
            65.95805633454883,
            50.1502170480547,
        ],
    );
}

#[test]
fn trend_fit_matches_influxdbs_published_us_population() {
    let us = [
        3.93, 5.31, 7.24, 9.64, 12.90, 17.10, 23.20, 31.40, 39.80, 50.20, 62.90, 76.00, 92.00,
        105.70, 122.80, 131.70, 151.30, 179.30, 203.20,
    ];
    let pts: Vec<(i64, f64)> = us
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64 + 1, *v))
        .collect();
    let out = holt_winters(&pts, 10, 0, true, 1).unwrap();
    close(
        &out,
        1..30,
        &[
            3.93,
            4.957405463559748,
            7.012210102535647,
            10.099589257439924,
            14.229926188104242,
            19.418878968703797,
            25.68749172281409,
            33.062351305731305,
            41.575791076125206,
            51.26614395589263,
            62.178047564264595,
            74.36280483872488,
            87.87880423073163,
            102.79200429905801,
            119.17648832929542,
            137.11509549747296,
            156.70013608313175,
            178.03419933863566,
            201.23106385518594,
            226.4167216525905,
            253.73052878285205,
            283.32649700397553,
            315.37474308085984,
            350.06311454009256,
            387.59901328556873,
            428.21144141893404,
            472.1532969569147,
            519.7039509590035,
            571.1721419458248,
        ],
    );
}

#[test]
fn linear_series_matches_the_python_model_exactly() {
    let pts: Vec<(i64, f64)> = (0..10).map(|i| (i * 10, 5.0 + 2.0 * i as f64)).collect();
    let out = holt_winters(&pts, 3, 0, false, 10).unwrap();
    assert_eq!(
        out,
        vec![
            (100, 25.03380691212074),
            (110, 27.07174372063007),
            (120, 29.124492432575302)
        ]
    );
}

#[test]
fn seasonal_series_matches_the_python_model_exactly() {
    let season = [1.0, 3.0, 2.0, 5.0];
    let pts: Vec<(i64, f64)> = (0..16)
        .map(|i| (i, 10.0 + season[i as usize % 4]))
        .collect();
    let out = holt_winters(&pts, 4, 4, false, 1).unwrap();
    assert_eq!(
        out,
        vec![
            (16, 12.108330635296102),
            (17, 12.104408437605228),
            (18, 12.103628992835114),
            (19, 14.988154940011192)
        ]
    );
}

#[test]
fn with_fit_starts_at_the_first_time_and_the_first_value() {
    let pts = [(0, 1.0), (1, 2.0), (2, 3.0)];
    let out = holt_winters(&pts, 2, 0, true, 1).unwrap();
    assert_eq!(
        out,
        vec![
            (0, 1.0),
            (1, 2.0022966506613336),
            (2, 3.001554831534762),
            (3, 4.088082486149288),
            (4, 5.40398614311772)
        ]
    );
}

#[test]
fn a_late_point_is_dropped_not_sorted_in() {
    // (1, 2.0) arrives after (2, 3.0): its bucket is not after the previous
    // one, so InfluxQL drops it and bucket 1 is NaN.
    let pts = [(0, 1.0), (2, 3.0), (1, 2.0), (3, 4.0)];
    let out = holt_winters(&pts, 1, 0, false, 1).unwrap();
    assert_eq!(out, vec![(4, 5.126406667143096)]);
}

#[test]
fn too_little_data_gives_nothing_and_bad_requests_give_errors() {
    let pts: Vec<(i64, f64)> = (0..16).map(|i| (i, i as f64)).collect();
    assert_eq!(holt_winters(&pts[..1], 4, 0, false, 1), Ok(vec![]));
    assert_eq!(holt_winters(&pts[..3], 4, 4, false, 1), Ok(vec![]));
    assert_eq!(holt_winters(&pts, 0, 4, false, 1), Ok(vec![]));
    // Both points round into one bucket: less than one interval.
    assert_eq!(
        holt_winters(&[(0, 1.0), (4, 2.0)], 1, 0, false, 10),
        Ok(vec![])
    );
    // A 1ns interval over an hour: too many buckets (no hang, no huge allocation).
    let far = [(0, 1.0), (3_600_000_000_000, 2.0)];
    assert_eq!(
        holt_winters(&far, 1, 0, false, 1),
        Err(HoltWintersError::TooLarge)
    );
    // Four points in two buckets cannot seed a season of 4.
    let crowded = [(0, 1.0), (1, 2.0), (10, 3.0), (11, 4.0)];
    assert_eq!(
        holt_winters(&crowded, 1, 4, false, 10),
        Err(HoltWintersError::SeasonLongerThanSeries { m: 4, buckets: 2 })
    );
    assert_eq!(
        holt_winters(&pts, 1, 0, false, 0),
        Err(HoltWintersError::BadInterval(0))
    );
}

#[test]
fn forecast_times_past_i64_max_are_an_error_not_a_wrap() {
    let pts = [(i64::MAX - 20, 1.0), (i64::MAX - 10, 2.0)];
    assert_eq!(
        holt_winters(&pts, 3, 0, false, 10),
        Err(HoltWintersError::TimeOverflow)
    );
    // Rounding up past i64::MAX has no bucket either.
    let pts = [(i64::MAX - 30, 1.0), (i64::MAX - 1, 2.0)];
    assert_eq!(
        holt_winters(&pts, 1, 0, false, 10),
        Err(HoltWintersError::TimeOverflow)
    );
}

#[test]
fn go_integer_power_rounds_like_repeated_mantissa_squaring() {
    // 0.7^37 by Go's algorithm is one ulp from the correctly rounded value
    // (Python's 0.7 ** 37 = 1.856211592101753e-06).
    assert_eq!(go_pow_int(0.7, 37), 1.8562115921017524e-06);
    assert_eq!(go_pow_int(0.5, 3), 0.125);
    assert_eq!(go_pow_int(0.0, 5), 0.0);
    assert_eq!(go_pow_int(1.0, 99), 1.0);
    // Deep underflow is 0, a subnormal result is rounded once.
    assert_eq!(go_pow_int(0.5, 1100), 0.0);
    assert_eq!(go_pow_int(0.5, 1074), f64::from_bits(1));
}
