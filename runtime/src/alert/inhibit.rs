//! Inhibition (`.category(c)` / `.inhibit(c, tags…)`): the latest level of
//! every alert ID per category, shared by all alert nodes of a run.

use super::level::Level;
use crate::message::Str;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Inhibitor {
    pub category: Str,
    pub equal_tags: Vec<Str>,
}

/// category → alert ID → (tags, level). Touched per event, never per point.
/// alert ID → (event tags, level) within one category.
type Category = HashMap<String, (Vec<(Str, Str)>, Level)>;

/// One non-OK alert of a category: its ID, event tags and level.
pub type Entry = (String, Vec<(Str, Str)>, Level);

#[derive(Debug, Default)]
pub struct InhibitRegistry {
    state: Mutex<HashMap<Str, Category>>,
}

impl InhibitRegistry {
    /// The non-OK alerts of `category` (an alert node's checkpoint).
    pub fn entries(&self, category: &str) -> Vec<Entry> {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.get(category)
            .map(|cat| {
                cat.iter()
                    .map(|(id, (tags, level))| (id.clone(), tags.clone(), *level))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn update(&self, category: &Str, id: &str, tags: &[(Str, Str)], level: Level) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let cat = st.entry(category.clone()).or_default();
        if level == Level::Ok {
            cat.remove(id);
        } else {
            cat.insert(id.to_string(), (tags.to_vec(), level));
        }
    }

    /// Whether a non-OK alert of the inhibitor's category has the same values
    /// for every `equal_tags` key as `tags`.
    pub fn inhibits(&self, inh: &Inhibitor, tags: &[(Str, Str)]) -> bool {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(cat) = st.get(&inh.category) else {
            return false;
        };
        cat.values().any(|(t, l)| {
            *l != Level::Ok
                && inh
                    .equal_tags
                    .iter()
                    .all(|k| crate::point::lookup(t, k) == crate::point::lookup(tags, k))
        })
    }
}
