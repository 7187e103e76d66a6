/**
 * @module test/supervisor/notify
 * bosun started with NOTIFY_SOCKET set (as by `podman run --sdnotify=container` or a systemd
 * unit), on a datagram socket this test reads: STATUS= lines as readiness changes, READY=1 only
 * once everything the boot set needs is started and healthy, STOPPING=1 at shutdown; and its
 * services no longer see the inherited socket (a notify service gets bosun's own).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeFd, datagramSocket, recvDatagram } from "../../src/process/sys.ts";
import { boot, bootDir } from "../support/daemon.ts";
import { removeTempDirs, tempDir } from "../support/files.ts";
import { waitFor } from "../support/wait.ts";

setDefaultTimeout(30_000);

// The socket raises SIGIO in this process when a datagram arrives; its default action would end the test.
const ignore = () => {};
let dir: string;
let fd: number;
const messages: string[] = [];
beforeAll(() => {
  process.on("SIGIO", ignore);
  dir = tempDir();
  fd = datagramSocket(join(dir, "notify.sock"));
});
afterAll(() => {
  closeFd(fd);
  process.off("SIGIO", ignore);
  removeTempDirs();
});

/** Every datagram received so far, one per entry. */
function received(): string[] {
  for (let m = recvDatagram(fd); m !== null; m = recvDatagram(fd)) messages.push(new TextDecoder().decode(m));
  return messages;
}
const sent = (line: string) => received().some((m) => m.split("\n").includes(line));

test("READY=1 once the boot set is started and healthy, STATUS= on the way, STOPPING=1 at shutdown; services lose the inherited socket", async () => {
  const healthy = join(dir, "db-healthy");
  const socket = join(dir, "notify.sock");
  const root = bootDir({
    boot: "type = internal\ndepends-on = db\ndepends-on = show\ndepends-on = notified\n",
    db: `type = process\ncommand = sleep 1000\nhealth-command = test -e ${healthy}\nhealth-start-interval = 0.1\n`,
    show: 'type = process\ncommand = /bin/sh -c "echo inherited=$${NOTIFY_SOCKET-none}; exec sleep 1000"\n',
    notified: 'type = process\nready-notification = notify\ncommand = /bin/sh -c "echo own=$$NOTIFY_SOCKET; systemd-notify --ready; exec sleep 1000"\n',
  });
  const b = boot(root, { env: { NOTIFY_SOCKET: socket } });
  try {
    await waitFor("a STATUS= line saying db is not healthy yet", () => received().some((m) => m.includes("STATUS=not ready: ") && m.includes("db: starting (health check: exited with 1)")), 10_000);
    expect(sent("READY=1")).toBe(false);
    writeFileSync(healthy, "");
    await waitFor("READY=1", () => sent("READY=1"), 10_000);
    expect(received().filter((m) => m.includes("READY=1"))).toEqual(["STATUS=ready\nREADY=1"]);
    const out = b.stdout();
    expect(out).toMatch(/show +\| inherited=none$/m);
    const own = /notified +\| own=(\S+)$/m.exec(out)?.[1];
    expect(own).toBeDefined();
    expect(own).not.toBe(socket);
    await b.signal("SIGTERM");
    expect(await b.exited).toBe(0);
    await waitFor("STOPPING=1", () => sent("STOPPING=1"), 10_000);
    expect(received().at(-1)).toBe("STOPPING=1\nSTATUS=stopping (SIGTERM)");
  } finally {
    await b.stop();
  }
});
