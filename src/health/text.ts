/**
 * @module health/text
 * What a check says, worded once for every kind of probe: a command's output cut to its last
 * few hundred bytes (where a failing tool says why), why a connection failed, why a probe was
 * stopped.
 */

/** The most of a command's output a check keeps for `status` (bytes, before the "…"). */
export const OUTPUT_LIMIT = 400;

/**
 * Output for people: decoded, trimmed, and cut to its last OUTPUT_LIMIT bytes on a character
 * boundary, marked with a leading "…" when cut.
 *
 * @example
 * outputText(new TextEncoder().encode("  ok\n")) // "ok"
 */
export function outputText(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).trim();
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= OUTPUT_LIMIT) return text;
  let start = encoded.length - OUTPUT_LIMIT;
  // skip UTF-8 continuation bytes so the cut lands between characters
  while (start < encoded.length && (encoded[start]! & 0xc0) === 0x80) start++;
  return `…${new TextDecoder().decode(encoded.subarray(start)).trimStart()}`;
}

/** Why an aborted probe stopped: the reason it was aborted with (the monitor says `timed out after N s`). */
export function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error || reason instanceof DOMException ? reason.message : "stopped";
}

/**
 * Why a connection to `where` (HOST:PORT) failed, from the error code Bun gives.
 *
 * @example
 * connectionFailure({ code: "ECONNREFUSED" }, "127.0.0.1:8080") // "connection refused by 127.0.0.1:8080"
 */
export function connectionFailure(error: unknown, where: string): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${where}`;
    case "ECONNRESET":
      return `connection reset by ${where}`;
    case "ENOTFOUND":
    case "EAI_NONAME":
      return `host not found: ${where.slice(0, where.lastIndexOf(":"))}`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to ${where}`;
    case "ETIMEDOUT":
      return `connecting to ${where} timed out`;
  }
  const text = typeof message === "string" && message !== "" ? message : String(error);
  // Bun's messages mostly begin with their code already ("EPROTO: The TLS handshake failed...")
  const coded = typeof code === "string" && !text.startsWith(code) ? `${code}: ${text}` : text;
  return `${where}: ${coded}`;
}
