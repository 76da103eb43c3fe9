//! A small in-memory cache of rendered public pages (anonymous visitors, no query string).
//! Entries carry a stamp; a page rendered for other data versions is simply not used.

use std::collections::HashMap;
use std::sync::RwLock;

use bytes::Bytes;

/// At most this many pages (four languages of every municipality page fit).
const MAX_ENTRIES: usize = 4096;

#[derive(Debug)]
pub struct PageCache {
    entries: RwLock<HashMap<String, (u64, Bytes)>>,
    capacity: usize,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::with_capacity(MAX_ENTRIES)
    }
}

impl PageCache {
    /// A cache of at most `capacity` pages (large pages get a small cache).
    pub fn with_capacity(capacity: usize) -> PageCache {
        PageCache {
            entries: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get(&self, path: &str, stamp: u64) -> Option<Bytes> {
        let entries = self.entries.read().ok()?;
        entries
            .get(path)
            .filter(|(entry_stamp, _)| *entry_stamp == stamp)
            .map(|(_, body)| body.clone())
    }

    pub fn put(&self, path: &str, stamp: u64, body: Bytes) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= self.capacity && !entries.contains_key(path) {
                // Stale stamps or a crawl of every page: start again rather than track ages.
                entries.clear();
            }
            entries.insert(path.to_string(), (stamp, body));
        }
    }
}
