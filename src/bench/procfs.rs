//! /proc readings for `sshfolio bench`: a process tree's memory and CPU (the server's),
//! this process's own RSS, and the kernel's receive-queue drops over a run.

use std::collections::HashMap;

use super::ProcSample;

/// Sample /proc for `pid` and all of its descendants.
pub fn proc_sample(pid: u32) -> Option<ProcSample> {
    proc_tree(pid, true)
}

/// Just the CPU seconds of `pid` and its descendants (no memory: cheap enough to read
/// around every key).
pub(super) fn proc_cpu(pid: u32) -> Option<f64> {
    proc_tree(pid, false).map(|s| s.cpu_s)
}

fn proc_tree(pid: u32, memory: bool) -> Option<ProcSample> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut parent: HashMap<u32, u32> = HashMap::new();
    let mut cpu: HashMap<u32, u64> = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // Fields after the command name (which may hold spaces and parentheses).
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // f[0] = state (field 3); ppid = field 4; utime..cstime = fields 14..17.
        let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        parent.insert(p, num(1) as u32);
        // Reaped children's CPU, in ticks; the process's own comes from schedstat.
        cpu.insert(p, num(13) + num(14));
    }
    if !parent.contains_key(&pid) {
        return None;
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() && tree.len() < 1_000_000 {
        let p = tree[i];
        tree.extend(parent.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    let mut out = ProcSample::default();
    for p in tree {
        out.processes += 1;
        out.cpu_s += cpu.get(&p).copied().unwrap_or(0) as f64 / ticks;
        out.cpu_s += threads_cpu_ns(p) as f64 / 1e9;
        if !memory {
            continue;
        }
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            out.pss_kib += kib_field(&s, "Pss:");
            out.rss_kib += kib_field(&s, "Rss:");
        }
    }
    Some(out)
}

/// CPU time of a process's live threads, in nanoseconds (schedstat: no tick rounding).
fn threads_cpu_ns(pid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    dir.flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// This process's resident memory (KiB), from /proc/self/status.
pub(super) fn self_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| kib_field(&s, "VmRSS:"))
        .unwrap_or(0)
}

fn kib_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Packets this kernel dropped because a CPU's receive queue was full
/// (`net.core.netdev_max_backlog`), summed over CPUs: on loopback every packet of both
/// ends of every connection passes through one of these queues, with nothing to push
/// back on the sender, so what overflows is lost and must be retransmitted — or, for a
/// keepalive probe, counts as unanswered. `None` where /proc/net/softnet_stat is absent.
pub(super) fn softnet_drops() -> Option<u64> {
    std::fs::read_to_string("/proc/net/softnet_stat")
        .ok()
        .map(|s| parse_softnet_drops(&s))
}

/// The second column of each line (hex): that CPU's drops.
fn parse_softnet_drops(text: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|d| u64::from_str_radix(d, 16).ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_sampled() {
        let s = proc_sample(std::process::id()).unwrap();
        assert!(s.processes >= 1 && s.pss_kib > 0);
        assert!(self_rss_kib() > 0);
    }

    #[test]
    fn softnet_drops_sum_the_second_column_of_every_cpu() {
        let text = "006c43cb 00013514 00000002 00000000\n00578f3e 00000cfd 00000002 00000000\n";
        assert_eq!(parse_softnet_drops(text), 0x13514 + 0xcfd);
        assert_eq!(parse_softnet_drops(""), 0);
        // Linux has the file wherever these tests run.
        if cfg!(target_os = "linux") {
            assert!(softnet_drops().is_some());
        }
    }
}
