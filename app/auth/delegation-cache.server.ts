import type { DelegationFacts } from "./actor";

// C-3/C-4: a partner user's delegation lists (for a partner with 10,000 clients, 10,000 ids),
// kept in this process between requests. Each request still asks the database, in its one
// round trip, for the lists' stamp (migration 0035: the counters that every change of links,
// link products, staff rights, memberships, team members or the representative bumps, and the
// next end date among the links), and gets the lists again only when the stamp it sends is no
// longer current. So a change applies on the very next request, in every process.
//
// Keyed by user (and, for API tokens, scope); a session or token hash remembers its key, so
// the stamp can be sent before the database has said whose session it is. Bounded by the
// number of ids held, least recently used first out.

interface Entry {
  stamp: string;
  delegations: DelegationFacts[];
  ids: number;
}

/** Roughly 100 MB of ids at most. */
const MAX_IDS = 1_000_000;
const MAX_CREDENTIALS = 20_000;

const g = globalThis as { __portalDelegationCache?: { entries: Map<string, Entry>; keyOf: Map<string, string>; ids: number } };
const cache = (g.__portalDelegationCache ??= { entries: new Map(), keyOf: new Map(), ids: 0 });

/** What this process holds for a credential (a session or API token hash), if anything. */
export function cachedDelegations(credentialHash: string): { key: string; stamp: string; delegations: DelegationFacts[] } | undefined {
  const key = cache.keyOf.get(credentialHash);
  const entry = key === undefined ? undefined : cache.entries.get(key);
  if (key === undefined || !entry) return undefined;
  // Most recently used last.
  cache.entries.delete(key);
  cache.entries.set(key, entry);
  return { key, stamp: entry.stamp, delegations: entry.delegations };
}

export function rememberDelegations(credentialHash: string, key: string, stamp: string, delegations: DelegationFacts[]): void {
  const old = cache.entries.get(key);
  if (old) {
    cache.entries.delete(key);
    cache.ids -= old.ids;
  }
  const ids = delegations.reduce((n, d) => n + d.full.length + d.billing.length + d.limited.reduce((m, l) => m + 1 + l.manage.length + l.read.length, 0), 1);
  cache.entries.set(key, { stamp, delegations, ids });
  cache.ids += ids;
  for (const [k, e] of cache.entries) {
    if (cache.ids <= MAX_IDS || k === key) break;
    cache.entries.delete(k);
    cache.ids -= e.ids;
  }
  cache.keyOf.delete(credentialHash);
  cache.keyOf.set(credentialHash, key);
  if (cache.keyOf.size > MAX_CREDENTIALS) cache.keyOf.delete(cache.keyOf.keys().next().value!);
}
