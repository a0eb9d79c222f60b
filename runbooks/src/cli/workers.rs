//! One job per file on every core, results in the order of the files: how `runbook validate`
//! checks a folder.
//!
//! Each helper thread starts on a CPU of its own. Some virtual machines keep a new thread on
//! its parent's CPU until the process has been busy for a while (measured on the CI's
//! Firecracker VMs, whose kernel packs tasks onto few vCPUs, `sched_vcpu_pack`: a helper shared
//! CPU 0 with the main thread for its first ~15 ms while CPU 1 stayed idle, half of a corpus
//! run; BENCHMARKS.md). So a helper asks for another CPU for its first job, then gives the
//! choice back to the scheduler. Elsewhere this changes nothing: an idle CPU is where the
//! scheduler would have put it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// At most this many threads: a corpus run is over in tens of milliseconds, and more threads
/// cost more to start than they save.
pub const MAX_THREADS: usize = 8;

/// The threads worth starting for `jobs` jobs: one per core the process may use, at most
/// [`MAX_THREADS`] and at most one per job (at least one).
///
/// ```
/// assert_eq!(runbooks::cli::workers::threads_for(1), 1);
/// assert!(runbooks::cli::workers::threads_for(1000) <= runbooks::cli::workers::MAX_THREADS);
/// ```
pub fn threads_for(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(MAX_THREADS).min(jobs).max(1)
}

/// Runs `job` on every item, on `threads` threads (the calling one among them), and returns
/// the results in the order of `items`. Items are handed out one at a time, so a slow one
/// does not hold up the others. Should a helper thread panic, the items it had taken are run
/// again on the calling thread.
///
/// ```
/// let squares = runbooks::cli::workers::map_in_order(&[1, 2, 3, 4, 5], 2, |n| n * n);
/// assert_eq!(squares, [1, 4, 9, 16, 25]);
/// ```
pub fn map_in_order<T: Sync, R: Send>(items: &[T], threads: usize, job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let work = |mut after_first: Option<placement::Placed>| {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, job(item)));
            if let Some(placed) = after_first.take() {
                placed.release();
            }
        }
        done
    };
    let cpus = placement::other_cpus(threads.saturating_sub(1));
    let mut all: Vec<(usize, R)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads.max(1))
            .map(|h| {
                let cpu = cpus.get(h - 1).copied();
                let work = &work;
                s.spawn(move || work(cpu.and_then(placement::Placed::on)))
            })
            .collect();
        let mut all = work(None);
        for h in helpers {
            all.extend(h.join().unwrap_or_default());
        }
        all
    });
    all.sort_by_key(|(i, _)| *i);
    let mut out: Vec<R> = Vec::with_capacity(items.len());
    for (i, r) in all {
        while out.len() < i {
            out.push(job(&items[out.len()]));
        }
        out.push(r);
    }
    while out.len() < items.len() {
        out.push(job(&items[out.len()]));
    }
    out
}

/// Starting a thread on a given CPU (Linux); nothing elsewhere.
#[cfg(target_os = "linux")]
mod placement {
    use std::mem::{size_of, zeroed};

    /// A thread placed on one CPU; [`Placed::release`] gives it back every CPU it had.
    pub struct Placed {
        before: libc::cpu_set_t,
    }

    /// The CPUs the process may use, as a set, or `None` when they cannot be read.
    fn allowed() -> Option<libc::cpu_set_t> {
        // SAFETY: `set` is a plain bit set, written by the kernel for the calling thread.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            (libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) == 0).then_some(set)
        }
    }

    /// Up to `n` CPUs the process may use other than the one the calling thread is on, in
    /// order after it (so helpers land on distinct CPUs); fewer when there are fewer.
    pub fn other_cpus(n: usize) -> Vec<usize> {
        let Some(set) = allowed().filter(|_| n > 0) else { return Vec::new() };
        let max = 8 * size_of::<libc::cpu_set_t>();
        // SAFETY: `CPU_ISSET` reads the set for an index below its size; `sched_getcpu` takes
        // no arguments.
        let here = usize::try_from(unsafe { libc::sched_getcpu() }).unwrap_or(0);
        (1..max).map(|k| (here + k) % max).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).take(n).collect()
    }

    impl Placed {
        /// Moves the calling thread to `cpu`; `None` when it cannot be (then it stays where
        /// the scheduler put it).
        pub fn on(cpu: usize) -> Option<Placed> {
            let before = allowed()?;
            // SAFETY: as in `allowed`; the set holds one CPU the process may use.
            unsafe {
                let mut one: libc::cpu_set_t = zeroed();
                libc::CPU_SET(cpu, &mut one);
                (libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one) == 0).then_some(Placed { before })
            }
        }

        /// Lets the scheduler move the thread again, among the CPUs it had before.
        pub fn release(self) {
            // SAFETY: the set was read by `sched_getaffinity` for this process.
            unsafe {
                libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &self.before);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod placement {
    /// Nothing to give back.
    pub struct Placed;

    pub fn other_cpus(_: usize) -> Vec<usize> {
        Vec::new()
    }

    impl Placed {
        pub fn on(_: usize) -> Option<Placed> {
            None
        }

        pub fn release(self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..500).collect();
        for threads in [1, 2, 3, MAX_THREADS] {
            let got = map_in_order(&items, threads, |&n| {
                // Uneven jobs, so that threads finish out of order.
                (0..(n % 7) * 1000).fold(n, |x, _| std::hint::black_box(x))
            });
            assert_eq!(got, items, "{threads} threads");
        }
        assert!(map_in_order(&[] as &[u8], 4, |&b| b).is_empty());
    }

    #[test]
    fn helpers_start_on_other_cpus_and_get_every_cpu_back() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cpus = placement::other_cpus(MAX_THREADS);
        let mut distinct = cpus.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), cpus.len(), "{cpus:?}");
        assert!(cpus.len() < cores.max(2), "{cpus:?} besides the current CPU, of {cores} cores");
        #[cfg(target_os = "linux")]
        if let Some(&cpu) = cpus.first() {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let placed = placement::Placed::on(cpu).expect("a CPU the process may use");
                    assert_eq!(unsafe { libc::sched_getcpu() }, cpu as i32, "the helper runs on its CPU");
                    placed.release();
                    assert_eq!(placement::other_cpus(MAX_THREADS).len(), cpus.len(), "every CPU given back");
                });
            });
        }
    }
}
