// Temporary output files are named `.NAME.PID-HEX.partial`, beside NAME. One left behind by a process
// that no longer exists (SIGKILL, power loss: no handler ran) is stale, and the next run writing NAME
// removes it. One whose process is alive belongs to a run still going, and is left alone.
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The temporary name for an output at `path`, owned by this process. */
export function partialPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
}

/** Which process made a temporary file of the output named `name`: its pid; 0 for the older `.NAME.HEX.partial`
 * form that carried none (no live run writes that form any more); undefined when `entry` is not one. */
export function partialOwner(entry: string, name: string): number | undefined {
  const prefix = `.${name}.`;
  if (!entry.startsWith(prefix) || !entry.endsWith('.partial')) return undefined;
  const m = /^(?:(\d+)-)?[0-9a-f]{8}$/.exec(entry.slice(prefix.length, -'.partial'.length));
  if (!m) return undefined;
  return m[1] === undefined ? 0 : Number(m[1]);
}

function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Removes the stale temporary files of the output at `path`; returns the names it removed. */
export async function removeStalePartials(path: string): Promise<string[]> {
  const name = basename(path);
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const owner = partialOwner(entry, name);
    if (owner === undefined || processAlive(owner)) continue;
    try {
      await unlink(join(dirname(path), entry));
      removed.push(entry);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}
