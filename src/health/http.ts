/**
 * @module health/http
 * `health-http = URL`: one GET; 200-399 is healthy, as Kubernetes' httpGet probe judges it.
 * A redirect is not followed: its status is the answer (a service that redirects `/healthz`
 * to a login page is up). Each probe opens a fresh connection, so a probe proves the service
 * still accepts them, and, as Kubernetes does, does not verify the certificate of an https
 * URL: a local check of a self-signed service must not fail on trust, and it sends nothing
 * secret. The body is not read.
 */
import { abortText, connectionFailure } from "./text.ts";
import type { CheckResult, Probe } from "./types.ts";

/** HOST:PORT of a URL, for failure texts (the scheme's port when none is written). */
function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/**
 * A probe that GETs `url`.
 *
 * @example
 * await httpProbe("http://127.0.0.1:8080/healthz")(AbortSignal.timeout(30_000));
 * // { ok: false, text: "HTTP 503 Service Unavailable" }
 */
export function httpProbe(url: string): Probe {
  const where = hostPort(new URL(url));
  return async (signal): Promise<CheckResult> => {
    let res: Response;
    try {
      res = await fetch(url, {
        signal,
        redirect: "manual",
        keepalive: false,
        headers: { "user-agent": "bosun-health" },
        tls: { rejectUnauthorized: false },
      });
    } catch (e) {
      return { ok: false, text: signal.aborted ? abortText(signal) : connectionFailure(e, where) };
    }
    await res.body?.cancel().catch(() => {});
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    const text = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${location ? ` (redirect to ${location}, not followed)` : ""}`;
    return { ok: res.status >= 200 && res.status < 400, text };
  };
}
