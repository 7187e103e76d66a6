/**
 * @module test/health/text
 * The wording of checks: output cut on a character boundary, connection failures by code.
 */
import { describe, expect, test } from "bun:test";
import { connectionFailure, OUTPUT_LIMIT, outputText } from "../../src/health/text.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("outputText", () => {
  test("short output is trimmed and kept whole", () => {
    expect(outputText(bytes("\n  pong  \n\n"))).toBe("pong");
    expect(outputText(bytes(""))).toBe("");
  });

  test("long output keeps its end, cut between characters, never inside one", () => {
    // an odd number of bytes after the two-byte characters: a cut by bytes alone lands inside one
    const text = outputText(bytes(`${"é".repeat(OUTPUT_LIMIT)}\nend!`));
    expect(text.startsWith("…é")).toBe(true);
    expect(text.endsWith("é\nend!")).toBe(true);
    expect(text).not.toContain("\uFFFD");
    expect(bytes(text).length).toBeLessThanOrEqual(OUTPUT_LIMIT + bytes("…").length);
  });
});

describe("connectionFailure", () => {
  test("known codes read as what happened, others keep their code and message once", () => {
    expect(connectionFailure({ code: "ECONNREFUSED" }, "127.0.0.1:80")).toBe("connection refused by 127.0.0.1:80");
    expect(connectionFailure({ code: "ENOTFOUND" }, "db.invalid:5432")).toBe("host not found: db.invalid");
    expect(connectionFailure({ code: "EPROTO", message: "EPROTO: The TLS handshake failed" }, "h:443")).toBe("h:443: EPROTO: The TLS handshake failed");
    expect(connectionFailure({ code: "CERT_HAS_EXPIRED", message: "certificate has expired" }, "h:443")).toBe("h:443: CERT_HAS_EXPIRED: certificate has expired");
  });
});
