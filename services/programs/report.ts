/**
 * The example's scheduled report: one run, started by bosun at each due time (schedule in
 * services/report), asks the web app for its numbers and prints them.
 */
const res = await fetch(`http://127.0.0.1:${process.env.PORT || 3000}/stats`);
const { jobs, schema } = (await res.json()) as { jobs: number; schema: string };
console.log(`report: ${jobs} jobs done so far (schema ${schema})`);
