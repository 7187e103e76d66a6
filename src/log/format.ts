/**
 * @module log/format
 * How a line looks on the console: text (`name | line`, names padded to a common width,
 * coloured only on a terminal) or JSON lines `{time, service, stream, line}` for collectors.
 * bosun's own lines use the same shapes, with `stream: "system"` and a `level` in JSON.
 */
import { linesOf, type LineEnds, type LogChunk } from "./lines.ts";
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
 * JSON lines (each with its newline) for a service's output lines, all read at `time` (one ISO
 * string per batch: the lines of one read arrived together). The same text as
 * `JSON.stringify({ time, service, stream, line })` per line, without an object per line.
 *
 * @example
 * jsonLines("web", "stdout", ["listening"], new Date().toISOString())
 * // '{"time":"2026-…Z","service":"web","stream":"stdout","line":"listening"}\n'
 */
export function jsonLines(service: string, stream: Stream, lines: string[], time: string): string {
  const head = `{"time":${JSON.stringify(time)},"service":${JSON.stringify(service)},"stream":"${stream}","line":`;
  let text = "";
  for (const line of lines) text += `${head}${JSON.stringify(line)}}\n`;
  return text;
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

const NEWLINE = 10;

/**
 * `prefix line\n` for each line of the chunks that `ends` has just indexed, in one buffer
 * (console text: the bytes as the service wrote them, no decode/encode round trip). A piece of
 * a line gets its newline here.
 *
 * @example
 * ends.index(chunks);
 * prefixed(new TextEncoder().encode("web | "), chunks, ends)
 */
export function prefixed(prefix: Uint8Array, chunks: LogChunk[], ends: LineEnds): Uint8Array {
  const width = prefix.length;
  let size = ends.total * width;
  for (const { bytes, complete } of chunks) size += bytes.length + (complete ? 0 : 1);
  const out = new Uint8Array(size);
  const lineEnds = ends.at;
  let at = 0;
  let line = 0;
  for (let i = 0; i < chunks.length; i++) {
    const { bytes, complete } = chunks[i] as LogChunk;
    const count = ends.counts[i] as number;
    // The chunk is copied once behind the room its prefixes take, then each line is moved
    // forward behind its prefix: no object per line (copyWithin takes offsets where set needs a
    // subarray), and a prefix of a few bytes is quicker copied in JS than by a native call.
    const src = at + count * width;
    out.set(bytes, src);
    let start = 0;
    for (const last = line + count; line < last; line++) {
      const end = lineEnds[line] as number;
      for (let k = 0; k < width; k++) out[at + k] = prefix[k] as number;
      at += width;
      out.copyWithin(at, src + start, src + end);
      at += end - start;
      start = end;
    }
    if (!complete) out[at++] = NEWLINE;
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * What a log file gets for these chunks, as parts to write one after another: the bytes as the
 * service wrote them (newlines only where it wrote them), or JSON lines.
 */
export function fileParts(service: string, chunks: LogChunk[], format: LogFormat): Uint8Array[] {
  if (format === "text") return chunks.map((chunk) => chunk.bytes);
  const time = new Date().toISOString();
  let text = "";
  for (const chunk of chunks) text += jsonLines(service, chunk.stream, linesOf(chunk), time);
  return [encoder.encode(text)];
}
