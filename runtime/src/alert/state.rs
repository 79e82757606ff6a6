//! Per-group alert state: the level history ring, flapping detection,
//! change/expiry flags and trigger times (reference §4.4).

use super::level::Level;

/// Flap weights grow linearly from `MAX_WEIGHT / WEIGHT_DIFF` = 0.8 to 1.2.
const MAX_WEIGHT: f64 = 1.2;
const WEIGHT_DIFF: f64 = 1.5;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AlertState {
    /// Ring of past levels; `idx` is the newest entry. Starts all OK.
    history: Vec<Level>,
    idx: usize,
    pub flapping: bool,
    pub changed: bool,
    pub expired: bool,
    pub first_triggered: i64,
    pub last_triggered: i64,
}

impl AlertState {
    pub fn new(history: usize) -> Self {
        AlertState {
            history: vec![Level::Ok; history.max(2)],
            idx: 0,
            flapping: false,
            changed: false,
            expired: false,
            first_triggered: 0,
            last_triggered: 0,
        }
    }

    pub fn current(&self) -> Level {
        self.history[self.idx]
    }

    /// The entry before the newest.
    pub fn previous(&self) -> Level {
        let l = self.history.len();
        self.history[(self.idx + l - 1) % l]
    }

    /// Appends `level`; sets `changed` and (given `max_interval`) `expired`
    /// for an evaluation at time `t`.
    pub fn add_event(&mut self, level: Level, t: i64, max_interval: i64) {
        self.changed = self.history[self.idx] != level;
        self.idx = (self.idx + 1) % self.history.len();
        self.history[self.idx] = level;
        // Time.Sub in Go saturates at the Duration range instead of wrapping.
        self.expired = !self.changed
            && max_interval > 0
            && t.saturating_sub(self.last_triggered) >= max_interval;
    }

    /// Records a trigger at `t`; the first trigger resets after an OK.
    pub fn triggered(&mut self, t: i64) {
        self.last_triggered = t;
        if self.previous() == Level::Ok {
            self.first_triggered = t;
        }
    }

    /// Go's `last.Sub(first)`: saturating, never wrapping.
    pub fn duration(&self) -> i64 {
        self.last_triggered.saturating_sub(self.first_triggered)
    }

    /// Weighted share of level changes over the ring. Walks the ring the way
    /// Kapacitor's `percentChange` does: starting at the newest entry and
    /// comparing each slot with the one before it (wrapping), `len-1` pairs.
    pub fn percent_change(&self) -> f64 {
        let l = self.history.len();
        let mut changes = 0.0;
        let mut weight = MAX_WEIGHT / WEIGHT_DIFF;
        let step = (MAX_WEIGHT - weight) / (l - 1) as f64;
        for i in 0..l - 1 {
            let c = (i + self.idx) % l;
            let p = if c == 0 { l - 1 } else { c - 1 };
            if self.history[c] != self.history[p] {
                changes += weight;
            }
            weight += step;
        }
        changes / (l - 1) as f64
    }

    pub fn update_flapping(&mut self, low: f64, high: f64) {
        let p = self.percent_change();
        if self.flapping && p < low {
            self.flapping = false;
        } else if !self.flapping && p > high {
            self.flapping = true;
        }
    }
}

#[cfg(test)]
mod overflow_tests {
    use super::*;

    #[test]
    fn durations_across_all_of_time_saturate_like_go() {
        let mut s = AlertState::new(2);
        s.first_triggered = i64::MIN;
        s.last_triggered = i64::MAX;
        // MAX - MIN would wrap to -1; Go's Time.Sub gives the largest Duration.
        assert_eq!(s.duration(), i64::MAX);
        // Same level again at MAX, last trigger at MIN: long past the max interval.
        s.last_triggered = i64::MIN;
        s.add_event(Level::Ok, i64::MAX, 1);
        assert!(s.expired);
    }
}
