/**
 * @module engine/graph
 * Cycle finding over the service graph. Dependency edges and before/after ordering edges are
 * both "must come first" relations; a cycle through any mix of them would deadlock a start or a
 * shutdown, so it is refused when it would be created (load, add-dep, reload).
 */

/**
 * Finds a path from `start` back to itself following `next`, or null when there is none.
 * The path names every service once and ends with `start` again, ready to print with " -> ".
 *
 * @example
 * findCycle("a", (n) => ({ a: ["b"], b: ["a"] })[n] ?? []); // ["a", "b", "a"]
 */
export function findCycle(start: string, next: (name: string) => Iterable<string>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  // Iterative DFS: dependency chains can be long enough to matter for the call stack.
  const stack: { name: string; rest: Iterator<string> }[] = [{ name: start, rest: next(start)[Symbol.iterator]() }];
  path.push(start);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const step = top.rest.next();
    if (step.done) {
      done.add(top.name);
      stack.pop();
      path.pop();
      continue;
    }
    const name = step.value;
    if (name === start) return [...path, start];
    if (done.has(name) || path.includes(name)) continue;
    stack.push({ name, rest: next(name)[Symbol.iterator]() });
    path.push(name);
  }
  return null;
}
