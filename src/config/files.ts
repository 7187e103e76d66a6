/**
 * @module config/files
 * Reads the files a service description is made of (the service file, its includes, its
 * env-file, its `.d` directories) defensively: never opens a FIFO or device (that could hang),
 * refuses huge files, and turns every errno into a sentence.
 */
import { accessSync, readdirSync, readFileSync, statSync } from "node:fs";

/** No real service file comes near this; a bigger one is refused before it is read. */
const MAX_FILE_SIZE = 4 * 1024 * 1024;

/** Why a file could not be read, as a sentence (no stack trace). */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "does not exist",
  EACCES: "is not readable (permission denied)",
  EPERM: "is not readable (operation not permitted)",
  ELOOP: "is a symbolic link loop",
  ENOTDIR: "has a path component that is not a directory",
  ENAMETOOLONG: "has a name that is too long",
  EISDIR: "is a directory, not a file",
};

function describeErrno(path: string, e: unknown): FileProblem {
  const code = (e as NodeJS.ErrnoException).code ?? null;
  const text = (code && ERRNO_TEXT[code]) ?? `cannot be read (${code ?? String(e)})`;
  return new FileProblem(`${path} ${text}`, code);
}

/**
 * Reads a regular text file of at most MAX_FILE_SIZE bytes; throws FileProblem otherwise.
 *
 * @example
 * readTextFile("/etc/bosun/services/web") // "type = process\n..."
 */
export function readTextFile(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw describeErrno(path, e);
  }
  if (st.isDirectory()) throw new FileProblem(`${path} is a directory, not a file`, "EISDIR");
  if (!st.isFile()) throw new FileProblem(`${path} is not a regular file`, "EINVAL");
  if (st.size > MAX_FILE_SIZE) {
    throw new FileProblem(`${path} is ${st.size} bytes; a service file is at most ${MAX_FILE_SIZE} bytes (is this the right file?)`, "EFBIG");
  }
  try {
    return new TextDecoder("utf-8").decode(readFileSync(path));
  } catch (e) {
    throw describeErrno(path, e);
  }
}

/** Whether something exists at `path` (a dangling symlink counts as nothing). */
export function exists(path: string): boolean {
  try {
    // access, not stat: it answers the same without building a Stats object
    accessSync(path);
    return true;
  } catch (e) {
    // A loop or a permission problem is "something there" that the reader will explain.
    return (e as NodeJS.ErrnoException).code !== "ENOENT" && (e as NodeJS.ErrnoException).code !== "ENOTDIR";
  }
}

/**
 * The names in a `.d` directory, without dot files, sorted; [] when it does not exist
 * (dinit's rule: a missing `.d` directory is not an error).
 */
export function listDependencyDir(path: string): string[] {
  try {
    return readdirSync(path)
      .filter((n) => !n.startsWith("."))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw describeErrno(path, e);
  }
}
