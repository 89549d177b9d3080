import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardLeaving } from '../../web/src/app/run/leave-guard.ts';

/** as in browsers, returnValue is writable on a beforeunload event (Node's Event has only a getter) */
class BeforeUnloadEvent extends Event {
  override returnValue = true;
}

function beforeUnload(target: EventTarget): Event {
  const e = new BeforeUnloadEvent('beforeunload', { cancelable: true });
  target.dispatchEvent(e);
  return e;
}

test('while guarded, leaving is questioned and a page that goes anyway abandons the run once', () => {
  const page = new EventTarget();
  let left = 0;
  const guard = guardLeaving(page, () => left++);
  assert.equal(beforeUnload(page).defaultPrevented, true, 'the browser is asked to confirm');
  page.dispatchEvent(new Event('pagehide'));
  page.dispatchEvent(new Event('pagehide'));
  assert.equal(left, 1);
  assert.equal(beforeUnload(page).defaultPrevented, false, 'after leaving, the guard is gone');
  guard.release();
});

test('a released guard neither asks nor abandons', () => {
  const page = new EventTarget();
  let left = 0;
  guardLeaving(page, () => left++).release();
  assert.equal(beforeUnload(page).defaultPrevented, false);
  page.dispatchEvent(new Event('pagehide'));
  assert.equal(left, 0);
});
