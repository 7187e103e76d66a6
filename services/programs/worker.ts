/**
 * The example worker: posts a job to the web app every few seconds and says how it went. It
 * needs the app (depends-on = web), so bosun starts it only once the app is ready and healthy,
 * and stops it first.
 */
const url = `http://127.0.0.1:${process.env.PORT || 3000}/jobs`;
console.log(`worker: posting jobs to ${url}`);
const timer = setInterval(async () => {
  try {
    const res = await fetch(url, { method: "POST" });
    const { jobs } = (await res.json()) as { jobs: number };
    console.log(`worker: job sent, ${jobs} done so far`);
  } catch (e) {
    console.error(`worker: the app did not answer: ${(e as Error).message}`);
  }
}, 4000);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    clearInterval(timer);
    console.log("worker: stopping");
    process.exit(0);
  });
}
