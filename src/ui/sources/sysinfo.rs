//! The SystemUsage widget's IO: one blocking thread (started only while a SystemUsage panel is
//! visible, stopped when none is) that samples the machine's CPU and memory and each live
//! agent's `claude` process tree once a second and posts `WorkspaceEvent::Usage`. Agents are
//! matched to our child processes by the session id on their command line
//! (`--session-id=` / `--resume=`), so no engine change is needed.

use crate::ui::app_event::AppEvent;
use crate::ui::sources::workspace_io::WorkspaceEvent;
use std::collections::HashMap;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::Duration;
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
use tokio::sync::mpsc::UnboundedSender;

/// Time between samples.
const PERIOD: Duration = Duration::from_secs(1);

/// An agent the sampler should find: its display name and CLI session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentProbe {
    /// Display name.
    pub name: String,
    /// CLI session id, once known.
    pub session_id: Option<String>,
}

/// One agent's usage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgentUsage {
    /// Display name.
    pub name: String,
    /// The `claude` process, when found.
    pub pid: Option<u32>,
    /// CPU of the whole tree, in % of one core.
    pub cpu: f32,
    /// Resident memory of the whole tree, bytes.
    pub rss: u64,
    /// Processes in the tree.
    pub procs: usize,
}

/// One sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct UsageSample {
    /// Machine CPU, 0–100 over all cores.
    pub cpu: f32,
    /// Cores.
    pub cores: usize,
    /// Used memory, bytes.
    pub mem_used: u64,
    /// Total memory, bytes.
    pub mem_total: u64,
    /// Per agent, in the order asked.
    pub agents: Vec<AgentUsage>,
}

enum Msg {
    Agents(Vec<AgentProbe>),
}

/// The running sampler; dropping it stops the thread.
#[derive(Debug)]
pub(crate) struct UsageMonitor {
    tx: Sender<Msg>,
    agents: Vec<AgentProbe>,
}

impl UsageMonitor {
    /// Start sampling for `agents`, posting on `post`.
    pub(crate) fn start(post: UnboundedSender<AppEvent>, agents: Vec<AgentProbe>) -> Self {
        let (tx, rx) = channel();
        let first = agents.clone();
        let _ = std::thread::Builder::new()
            .name("sysinfo".into())
            .spawn(move || {
                let mut sys = System::new();
                let mut agents = first;
                loop {
                    let sample = sample(&mut sys, &agents);
                    let ev = AppEvent::Workspace(Box::new(WorkspaceEvent::Usage(Box::new(sample))));
                    if post.send(ev).is_err() {
                        return;
                    }
                    match rx.recv_timeout(PERIOD) {
                        Ok(Msg::Agents(a)) => agents = a,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            });
        Self { tx, agents }
    }

    /// Follow a change in the set of live agents (cheap when unchanged).
    pub(crate) fn set_agents(&mut self, agents: Vec<AgentProbe>) {
        if agents != self.agents {
            self.agents = agents.clone();
            let _ = self.tx.send(Msg::Agents(agents));
        }
    }
}

fn sample(sys: &mut System, agents: &[AgentProbe]) -> UsageSample {
    sys.refresh_cpu_usage();
    sys.refresh_memory();
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_memory()
            .with_cpu()
            .with_cmd(UpdateKind::OnlyIfNotSet),
    );
    let procs = sys.processes();
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for (pid, p) in procs {
        if let Some(parent) = p.parent() {
            children.entry(parent).or_default().push(*pid);
        }
    }
    // Our own descendants only: an agent is a child of this process.
    let me = Pid::from_u32(std::process::id());
    let mine: Vec<Pid> = tree(&children, me);
    let find = |sid: &str| {
        mine.iter().copied().find(|pid| {
            procs.get(pid).is_some_and(|p| {
                p.cmd().iter().any(|a| {
                    let a = a.to_string_lossy();
                    a.strip_prefix("--session-id=")
                        .or_else(|| a.strip_prefix("--resume="))
                        == Some(sid)
                })
            })
        })
    };
    let agents = agents
        .iter()
        .map(|a| {
            let root = a.session_id.as_deref().and_then(find);
            let (mut cpu, mut rss, mut n) = (0.0, 0, 0);
            if let Some(root) = root {
                for pid in tree(&children, root) {
                    if let Some(p) = procs.get(&pid) {
                        cpu += p.cpu_usage();
                        rss += p.memory();
                        n += 1;
                    }
                }
            }
            AgentUsage {
                name: a.name.clone(),
                pid: root.map(|p| p.as_u32()),
                cpu,
                rss,
                procs: n,
            }
        })
        .collect();
    UsageSample {
        cpu: sys.global_cpu_usage(),
        cores: sys.cpus().len(),
        mem_used: sys.used_memory(),
        mem_total: sys.total_memory(),
        agents,
    }
}

/// `root` and all its descendants.
fn tree(children: &HashMap<Pid, Vec<Pid>>, root: Pid) -> Vec<Pid> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c.iter().copied());
        }
        i += 1;
        if out.len() > 100_000 {
            break;
        }
    }
    out
}
