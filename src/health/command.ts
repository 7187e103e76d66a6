/**
 * @module health/command
 * `health-command`: runs a command as the service runs (through the SpawnProbe the process
 * layer hands in); exit 0 is healthy. Its stdout and stderr are read to the end, keeping only
 * the last few kilobytes, so a chatty check cannot grow bosun's memory. When it exits,
 * whatever it left running in its process group is killed: a check that runs every few
 * seconds must not pile up processes. When the probe is aborted (its timeout), the whole
 * process group is killed with SIGKILL and the probe settles once the command is reaped.
 */
import { describeExit } from "../engine/outcome.ts";
import { errorText } from "../engine/core.ts";
import { abortText, outputText } from "./text.ts";
import type { CheckResult, Probe, ProbeChild, SpawnProbe } from "./types.ts";

/** Raw output kept while reading: enough for OUTPUT_LIMIT after trailing blank lines are trimmed. */
const KEEP = 4096;

/** Reads streams to their end into one buffer of their last KEEP bytes, in the order chunks arrive. */
function collect(streams: (ReadableStream<Uint8Array> | null)[]) {
  let kept = new Uint8Array(0);
  const readers = streams.flatMap((s) => (s ? [s.getReader()] : []));
  const read = async (reader: (typeof readers)[number]) => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const joined = new Uint8Array(kept.length + value.length);
        joined.set(kept);
        joined.set(value, kept.length);
        kept = joined.length > KEEP ? joined.slice(joined.length - KEEP) : joined;
      }
    } catch {
      // cancelled, or the pipe broke: what was read so far is the output
    }
  };
  return {
    done: Promise.all(readers.map(read)).then(() => {}),
    text: () => outputText(kept),
    /** Stop reading: a process outside the group (it called setsid) may hold the pipes open. */
    cancel: () => readers.forEach((r) => void r.cancel().catch(() => {})),
  };
}

function killGroup(child: ProbeChild): void {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group is empty already
  }
}

const withOutput = (head: string, output: string) => (output === "" ? head : `${head}: ${output}`);

/**
 * A probe that runs `argv` through `spawnProbe`.
 *
 * @example
 * const probe = commandProbe(["pg_isready", "-q"], spawnProbe);
 * await probe(AbortSignal.timeout(30_000)); // { ok: true, text: "" }
 */
export function commandProbe(argv: string[], spawnProbe: SpawnProbe): Probe {
  return async (signal): Promise<CheckResult> => {
    if (signal.aborted) return { ok: false, text: abortText(signal) };
    let child: ReturnType<SpawnProbe>;
    try {
      child = spawnProbe(argv);
    } catch (e) {
      return { ok: false, text: `could not start: ${errorText(e)}` };
    }
    if (!("pid" in child)) return { ok: false, text: `could not start: ${child.message}` };
    const output = collect([child.stdout, child.stderr]);
    let onAbort = () => {};
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const status = await Promise.race([child.exited, aborted]);
      if (status === null) {
        killGroup(child);
        output.cancel();
        await child.exited;
        return { ok: false, text: withOutput(`${abortText(signal)}; its process group was killed`, output.text()) };
      }
      killGroup(child);
      // the output is complete once its pipes close; a process that escaped the group may hold them
      await Promise.race([output.done, aborted]);
      output.cancel();
      if (status.code === 0) return { ok: true, text: output.text() };
      return { ok: false, text: withOutput(describeExit(status), output.text()) };
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  };
}
