/**
 * The example web app: a small HTTP server that says it is ready on fd 3 once it listens
 * (bosun's ready-notification = pipefd:3), answers /healthz for bosun's health check, and counts
 * the jobs the worker posts. Touch $STATE_DIR/unhealthy to watch bosun notice and restart it.
 */
import { existsSync, readFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "./state.ts";

const port = Number(process.env.PORT || 3000);
const schema = readFileSync(join(stateDir, "schema-version"), "utf8").trim();
let jobs = 0;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") {
      return existsSync(join(stateDir, "unhealthy")) ? new Response("unhealthy\n", { status: 503 }) : new Response("ok\n");
    }
    if (path === "/jobs" && req.method === "POST") {
      jobs++;
      console.log(`web: job ${jobs} done`);
      return Response.json({ jobs });
    }
    if (path === "/stats") return Response.json({ jobs, schema });
    return new Response(`${process.env.GREETING ?? "hello"} (schema ${schema}, ${jobs} jobs)\n`);
  },
});
console.log(`web: listening on http://127.0.0.1:${server.port} (schema ${schema})`);

// Ready: one line on the notification fd, then close it.
writeSync(3, "ready\n");
closeSync(3);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    console.log(`web: ${signal}, stopping after ${jobs} jobs`);
    server.stop();
    process.exit(0);
  });
}
