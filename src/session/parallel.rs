//! Many independent matches on a few worker threads, for tournaments and sweeps.
//!
//! Plain threads (matches and Lua calls never run on an async runtime). Results come back
//! in index order whatever the number of threads, so that a report depends only on its
//! inputs, never on `--jobs`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `work(i)` for every `i` in `0..count` on `jobs` worker threads (at least one, at
/// most `count`), calling `progress(done)` each time one finishes. Returns the results in
/// index order.
pub fn map_indexed<T: Send>(
    count: usize,
    jobs: usize,
    work: &(dyn Fn(usize) -> T + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<T> {
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let r = work(i);
                    // A worker that panicked poisons the lock; the others still record
                    // theirs, and the missing slot drops out below.
                    let mut v = slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    v[i] = Some(r);
                    drop(v);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                }
            });
        }
    });
    slots.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_index_order_for_any_number_of_threads() {
        let work = |i: usize| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_millis(u64::try_from(20 - i).unwrap_or(0)));
            i * i
        };
        let expected: Vec<usize> = (0..20).map(|i| i * i).collect();
        for jobs in [0, 1, 2, 7, 64] {
            let done = AtomicUsize::new(0);
            let seen = |d: usize| {
                done.fetch_max(d, Ordering::Relaxed);
            };
            assert_eq!(map_indexed(20, jobs, &work, &seen), expected, "jobs = {jobs}");
            assert_eq!(done.load(Ordering::Relaxed), 20);
        }
        assert!(map_indexed(0, 2, &work, &|_| {}).is_empty());
    }
}
