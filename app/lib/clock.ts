// "Now" comes from here, never from `new Date()` in domain code, so tests move time
// instead of sleeping. The override lives on globalThis so the built server and the
// test code (two module copies) share one clock.
const g = globalThis as { __portalClock?: () => Date };

export function now(): Date {
  return g.__portalClock ? g.__portalClock() : new Date();
}

export function setClock(clock: (() => Date) | undefined): void {
  g.__portalClock = clock;
}

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
