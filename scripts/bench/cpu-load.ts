// How busy the machine was with other work while a job ran: the machine's busy CPU time (/proc/stat)
// minus the job's own. The machine is shared, so a row measured while others compute is flagged, not hidden.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Seconds of CPU the whole machine has spent busy (all cores) since boot. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / ticksPerSecond();
}

/** Seconds of CPU (user + system, all threads) a live process has used. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(); // utime, stime
  } catch {
    return 0;
  }
}

/** Average cores used by others over a job: (machine busy − the job's own CPU) / wall time, never below 0. */
export function othersCores(machineBusy: number, ownCpu: number, wallSeconds: number): number {
  return Math.max(0, (machineBusy - ownCpu) / wallSeconds);
}

/**
 * Waits (up to `maxWaitSeconds`) until other processes keep less than `threshold` cores busy over a 2-second
 * window, so a measured run does not start in the middle of someone else's test suite. Returns the last load seen.
 */
export async function waitForQuiet(log: (line: string) => void, maxWaitSeconds = 120, threshold = 0.25): Promise<number> {
  const started = performance.now();
  let said = false;
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 2000));
    const load = (machineBusySeconds() - before) / 2;
    if (load < threshold) return load;
    if ((performance.now() - started) / 1000 > maxWaitSeconds) {
      log(`  the machine stayed busy (${load.toFixed(2)} cores used by others); measuring anyway`);
      return load;
    }
    if (!said) log(`  waiting for other work to calm down (${load.toFixed(2)} cores busy) …`);
    said = true;
  }
}
