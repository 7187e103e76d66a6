/**
 * @module log/format
 * How a line looks on the console: text (`name | line`, names padded to a common width,
 * coloured only on a terminal) or JSON lines `{time, service, stream, line}` for collectors.
 * bosun's own lines use the same shapes, with `stream: "system"` and a `level` in JSON.
 */
import type { LogLine } from "./lines.ts";
import type { Stream, SystemLevel } from "./types.ts";

/** `text` (prefixed lines) or `json` (one object per line); the `log-format` setting. */
export type LogFormat = "text" | "json";

/** The name bosun's own lines carry when no service is concerned. */
const SELF = "bosun";

/** Longest name padded to; longer names are printed whole, unpadded. */
const MAX_PAD = 24;

/** ANSI colours that read on dark and light backgrounds; a service keeps its colour by name. */
const PALETTE = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

function colourOf(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(hash) % PALETTE.length] ?? 36;
}

/**
 * Builds line prefixes. The width grows as longer names appear, so early lines may be padded
 * less than later ones; fixing the width up front would need every name before the first line.
 *
 * @example
 * const p = new Prefixes(false);
 * p.text("web") // "web | "
 */
export class Prefixes {
  private width = SELF.length;
  private readonly cache = new Map<string, string>();
  private readonly encoded = new Map<string, Uint8Array>();

  constructor(private readonly colour: boolean) {}

  /** Widens the column for a name that is about to print. */
  admit(name: string): void {
    const len = Math.min(name.length, MAX_PAD);
    if (len > this.width) {
      this.width = len;
      this.cache.clear();
      this.encoded.clear();
    }
  }

  /** The prefix as UTF-8 bytes. */
  bytes(name: string): Uint8Array {
    const text = this.text(name);
    let bytes = this.encoded.get(text);
    if (!bytes) {
      bytes = new TextEncoder().encode(text);
      this.encoded.set(text, bytes);
    }
    return bytes;
  }

  /** `name` padded, then ` | `; coloured when on a terminal. */
  text(name: string): string {
    let prefix = this.cache.get(name);
    if (prefix === undefined) {
      const padded = name.padEnd(this.width);
      prefix = this.colour ? `\x1b[${colourOf(name)}m${padded} |\x1b[0m ` : `${padded} | `;
      this.cache.set(name, prefix);
    }
    return prefix;
  }
}

/**
 * One JSON line (with its newline) for a service's output line. `time` is when bosun read it
 * (one ISO string per batch: the lines of one read arrived together).
 *
 * @example
 * jsonLine("web", "stdout", "listening", new Date().toISOString())
 * // '{"time":"2026-…Z","service":"web","stream":"stdout","line":"listening"}\n'
 */
export function jsonLine(service: string, stream: Stream, line: string, time: string): string {
  return `${JSON.stringify({ time, service, stream, line })}\n`;
}

/**
 * One of bosun's own messages as text or JSON, with its newline.
 *
 * @example
 * systemLine("text", prefixes, "warn", "restarting", "web") // "bosun | warn: web: restarting\n"
 */
export function systemLine(
  format: LogFormat,
  prefixes: Prefixes,
  level: SystemLevel,
  message: string,
  service: string | undefined,
): string {
  if (format === "json") {
    const record: Record<string, string> = { time: new Date().toISOString(), service: service ?? SELF, stream: "system", level, line: message };
    return `${JSON.stringify(record)}\n`;
  }
  const tag = level === "info" ? "" : `${level}: `;
  const about = service ? `${service}: ` : "";
  // A multi-line message (a stack trace) keeps the prefix on every line, so grep and
  // `docker logs` filters still see where each line came from.
  const [head, ...rest] = message.split("\n");
  const prefix = prefixes.text(SELF);
  return `${prefix}${tag}${about}${head}\n${rest.map((line) => `${prefix}  ${line}\n`).join("")}`;
}

/** `prefix line\n` for each line, in one buffer (console text: no decode/encode round trip). */
export function prefixed(prefix: Uint8Array, lines: LogLine[]): Uint8Array {
  let size = 0;
  for (const line of lines) size += prefix.length + line.bytes.length + 1;
  const out = new Uint8Array(size);
  let at = 0;
  for (const line of lines) {
    out.set(prefix, at);
    out.set(line.bytes, at + prefix.length);
    at += prefix.length + line.bytes.length;
    out[at++] = 10;
  }
  return out;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The bytes a log file gets for these lines: as the service wrote them (newlines only where it
 * wrote them), or JSON lines.
 */
export function fileBytes(service: string, lines: LogLine[], format: LogFormat): Uint8Array {
  if (format === "json") {
    const time = new Date().toISOString();
    let text = "";
    for (const line of lines) text += jsonLine(service, line.stream, decoder.decode(line.bytes), time);
    return encoder.encode(text);
  }
  let size = 0;
  for (const line of lines) size += line.bytes.length + (line.complete ? 1 : 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const line of lines) {
    out.set(line.bytes, at);
    at += line.bytes.length;
    if (line.complete) out[at++] = 10;
  }
  return out;
}
