// While a run writes files, leaving the page would cut it off. The browser asks first (beforeunload); if the
// page goes anyway (pagehide), `onleave` runs once, synchronously: nothing awaited there would ever finish.
export interface LeaveGuard {
  /** the run is over: leaving is harmless again */
  release(): void;
}

type Listening = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

export function guardLeaving(target: Listening, onleave: () => void): LeaveGuard {
  const ask = (e: Event) => {
    e.preventDefault();
    // older Chromium shows the dialog only when returnValue is set
    (e as BeforeUnloadEvent).returnValue = '';
  };
  let active = true;
  const leave = () => {
    if (!active) return;
    release();
    onleave();
  };
  function release() {
    active = false;
    target.removeEventListener('beforeunload', ask);
    target.removeEventListener('pagehide', leave);
  }
  target.addEventListener('beforeunload', ask);
  target.addEventListener('pagehide', leave);
  return { release };
}
