/**
 * @module control/metrics
 * GET /metrics: Prometheus text exposition (format 0.0.4) of every service's state, restarts,
 * last exit code and its cause, uptime, what its cgroup says it uses (memory, CPU time,
 * processes, OOM kills: read from the cgroup files at each scrape), its health check's verdict
 * and checks, scheduled services' runs by result, skipped due times and next due time, and
 * bosun's own counters and cgroup layout.
 */
import type { RunResult, ServiceState } from "../engine/types.ts";
import type { Resources } from "../process/run.ts";
import { shellCode } from "../process/signals.ts";
import { uptimeSeconds } from "../supervisor/status.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";

const STATES: ServiceState[] = ["stopped", "starting", "started", "stopping"];
const RESULTS: RunResult[] = ["ok", "failed", "timed-out", "exec-failed", "stopped"];

/** Label values escape backslash, quote and newline (the exposition format's rule). */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * Renders the metrics; `connections` is the number of requests and streams open right now.
 *
 * @example
 * metrics(sup, 3) // "# HELP bosun_service_state ...\n..."
 */
export function metrics(sup: Supervisor, connections: number): string {
  const services = sup.list();
  const now = sup.now();
  const out: string[] = [];
  const family = (name: string, type: "gauge" | "counter", help: string, samples: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  family(
    "bosun_service_state",
    "gauge",
    "1 for the state the service is in, 0 for the others.",
    services.flatMap((s) => STATES.map((st) => `bosun_service_state{service="${label(s.name)}",state="${st}"} ${s.state === st ? 1 : 0}`)),
  );
  family(
    "bosun_service_restarts_total",
    "counter",
    "Automatic restarts of the service.",
    services.map((s) => `bosun_service_restarts_total{service="${label(s.name)}"} ${s.restarts}`),
  );
  family(
    "bosun_service_last_exit_code",
    "gauge",
    "Exit code of the service's last process (128+N for a signal); absent when it never exited.",
    services.flatMap((s) => (s.exit ? [`bosun_service_last_exit_code{service="${label(s.name)}"} ${shellCode(s.exit)}`] : [])),
  );
  family(
    "bosun_service_last_exit_cause",
    "gauge",
    "1 with the cause bosun knows for the service's last exit (oom-killed, unhealthy); absent when none.",
    services.flatMap((s) => (s.exit && s.cause ? [`bosun_service_last_exit_cause{service="${label(s.name)}",cause="${s.cause}"} 1`] : [])),
  );
  family(
    "bosun_service_uptime_seconds",
    "gauge",
    "Seconds since the service last reached started; 0 when not started.",
    services.map((s) => `bosun_service_uptime_seconds{service="${label(s.name)}"} ${uptimeSeconds(s, now) ?? 0}`),
  );
  const resources = services.map((s) => [s.name, sup.resources(s.name)] as const);
  const figure = (name: string, type: "gauge" | "counter", help: string, pick: (r: Resources) => number | null) =>
    family(name, type, help, resources.flatMap(([service, r]) => {
      const value = pick(r);
      return value === null ? [] : [`${name}{service="${label(service)}"} ${value}`];
    }));
  figure("bosun_service_memory_bytes", "gauge", "Memory charged to the service's cgroup now; absent without one.", (r) => r.usage?.memory ?? null);
  figure("bosun_service_memory_max_bytes", "gauge", "The memory limit of the service's cgroup; absent when unlimited or without one.", (r) => r.usage?.memoryMax ?? null);
  figure("bosun_service_cpu_seconds_total", "counter", "CPU time used in the service's cgroup by its current run; absent without one.", (r) => r.usage?.cpuSeconds ?? null);
  figure("bosun_service_pids", "gauge", "Processes in the service's cgroup now; absent without one.", (r) => r.usage?.pids ?? null);
  figure("bosun_service_oom_kills_total", "counter", "Processes the kernel's OOM killer ended in the service's cgroups since bosun started.", (r) => r.oomKills);
  const checks = sup.healthChecks();
  family(
    "bosun_service_healthy",
    "gauge",
    "1 while the service's health check finds it healthy, else 0; absent for services without one.",
    checks.map((c) => `bosun_service_healthy{service="${label(c.name)}"} ${c.health.checking && c.health.state === "healthy" ? 1 : 0}`),
  );
  family(
    "bosun_health_checks_total",
    "counter",
    "Finished health checks of the service, by result (success, failure, timeout).",
    checks.flatMap((c) =>
      (["success", "failure", "timeout"] as const).map((r) => `bosun_health_checks_total{service="${label(c.name)}",result="${r}"} ${c.health.checks[r]}`),
    ),
  );
  const tasks = services.flatMap((s) => (s.task ? [{ name: label(s.name), task: s.task }] : []));
  family(
    "bosun_task_runs_total",
    "counter",
    "Ended runs of a scheduled service, by result (ok, failed, timed-out, exec-failed, stopped).",
    tasks.flatMap(({ name, task }) => RESULTS.map((r) => `bosun_task_runs_total{service="${name}",result="${r}"} ${task.results[r]}`)),
  );
  family(
    "bosun_task_skipped_total",
    "counter",
    "Due times of a scheduled service dropped because a run was still going.",
    tasks.map(({ name, task }) => `bosun_task_skipped_total{service="${name}"} ${task.skipped}`),
  );
  family(
    "bosun_task_next_run_timestamp_seconds",
    "gauge",
    "When a scheduled service's next run starts (Unix time); absent while the task is not started.",
    tasks.flatMap(({ name, task }) => (task.next === null ? [] : [`bosun_task_next_run_timestamp_seconds{service="${name}"} ${task.next / 1000}`])),
  );
  const stats = sup.stats();
  const cg = sup.info().cgroups;
  family("bosun_cgroups_info", "gauge", "The cgroup layout bosun uses (mode v2, v1, read-only or none).", [
    `bosun_cgroups_info{mode="${cg.mode}",best_effort="${cg.bestEffort}"} 1`,
  ]);
  family("bosun_reaped_orphans_total", "counter", "Orphaned processes bosun reaped.", [`bosun_reaped_orphans_total ${stats.reapedOrphans}`]);
  family("bosun_control_connections", "gauge", "Control requests and streams open now.", [`bosun_control_connections ${connections}`]);
  family("bosun_resident_memory_bytes", "gauge", "bosun's resident set size.", [`bosun_resident_memory_bytes ${process.memoryUsage.rss()}`]);
  family("bosun_start_time_seconds", "gauge", "When bosun started (Unix time).", [`bosun_start_time_seconds ${stats.startedAt / 1000}`]);
  return `${out.join("\n")}\n`;
}
