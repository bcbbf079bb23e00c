import { sql, type Kysely, type Transaction } from "kysely";
import type { DB } from "../../db/schema";
import { acceptsMultiStatementText, type Database } from "../../db/client";
import { delegatingOrgIds, type Actor } from "../auth/actor";
import { now } from "../lib/clock";

/** A transaction that can run work after it commits (enqueue jobs, wake the mailer). */
export type Tx = Transaction<DB> & {
  onCommit(fn: () => unknown): void;
  /** Settings the transaction was opened with by transactionLedBy, not yet confirmed by prepare. */
  guessedSettings?: string;
  /** Settings prepare confirmed, so the first join with them sets nothing (then cleared). */
  preparedSettings?: string;
};
export type Handle = Database | Tx;

/** Transaction-scoped settings (`app.*`) that row-level security policies read. */
export type Settings = Record<`app.${string}`, string>;

/**
 * Runs `fn` in one transaction (or joins the caller's). `settings` are set for this
 * transaction only; on a pg pool they travel with BEGIN in a single round trip.
 */
export async function transaction<T>(db: Handle, fn: (trx: Tx) => Promise<T>, settings?: Settings): Promise<T> {
  if (isTx(db)) {
    // The first join of a transaction opened with these very settings (transactionLedBy) does
    // not set them again; any other join sets its own, as ever.
    const prepared = db.preparedSettings;
    db.preparedSettings = undefined;
    if (settings && settingsKey(settings) !== prepared) await applySettings(db, settings);
    return fn(db); // already inside one: join it
  }
  return open(db, settings, undefined, (trx) => fn(trx));
}

/**
 * Opens a transaction whose first round trip also carries `lead`, one plain statement (values
 * as literals, no parameters), after BEGIN and the `guess` settings: a look-up of who acts, in
 * the round trip that opens the transaction the request's work then runs in. `fn` gets the
 * lead's rows; before any tenant query it calls `prepare(trx, settings)` with the settings
 * the looked-up actor needs, which sets them unless they are the guess (no round trip then).
 */
export async function transactionLedBy<T>(db: Database, lead: string, guess: Settings | undefined, fn: (rows: unknown[], trx: Tx) => Promise<T>): Promise<T> {
  return open(db, guess, lead, async (trx, rows) => {
    trx.guessedSettings = guess ? settingsKey(guess) : undefined;
    return fn(rows, trx);
  });
}

/** Makes the transaction act with `settings` (see transactionLedBy); the next join with them sets nothing. */
export async function prepare(trx: Tx, settings: Settings): Promise<void> {
  const key = settingsKey(settings);
  if (trx.guessedSettings !== key) await applySettings(trx, settings);
  trx.guessedSettings = undefined;
  trx.preparedSettings = key;
}

async function open<T>(db: Database, settings: Settings | undefined, lead: string | undefined, fn: (trx: Tx, leadRows: unknown[]) => Promise<T>): Promise<T> {
  const after: Array<() => unknown> = [];
  const withHooks = (raw: Kysely<DB>) => Object.assign(raw, { onCommit: (f: () => unknown) => void after.push(f) }) as Tx;
  let result: T;
  if (acceptsMultiStatementText(db)) {
    result = await db.connection().execute(async (conn) => {
      try {
        // One round trip; a multi-statement text answers with its last statement's rows (db/client.ts).
        const { rows } = await sql.raw(["begin", settingsStatement(settings ?? {}), lead ?? ""].filter(Boolean).join("; ")).execute(conn);
        const value = await fn(withHooks(conn), lead ? rows : []);
        await sql.raw("commit").execute(conn);
        return value;
      } catch (err) {
        await sql.raw("rollback").execute(conn);
        throw err;
      }
    });
  } else {
    result = await db.transaction().execute(async (raw) => {
      const trx = withHooks(raw);
      if (settings) await applySettings(trx, settings);
      const rows = lead ? (await sql.raw(lead).execute(trx)).rows : [];
      return fn(trx, rows);
    });
  }
  for (const f of after) {
    try {
      await f();
    } catch (err) {
      // The data is committed; a failed wake-up is retried by the outbox sweep.
      console.warn("after-commit hook failed:", err);
    }
  }
  return result;
}

function settingsKey(settings: Settings): string {
  return JSON.stringify(Object.entries(settings));
}

async function applySettings(trx: Tx, settings: Settings): Promise<void> {
  const entries = Object.entries(settings);
  if (entries.length === 0) return;
  await sql`select ${sql.join(entries.map(([k, v]) => sql`set_config(${k}, ${v}, true)`))}`.execute(trx);
}

/** One plain statement (no parameters): values are quoted as literals. */
function settingsStatement(settings: Settings): string {
  const calls = Object.entries(settings).map(([k, v]) => `set_config(${escapeLiteral(k)}, ${escapeLiteral(v)}, true)`);
  return calls.length ? `select ${calls.join(", ")}` : "";
}

export function escapeLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function isTx(db: Handle): db is Tx {
  return typeof (db as Partial<Tx>).onCommit === "function";
}

/**
 * The per-request entry point to tenant data: one transaction that knows the actor and
 * says which organizations it acts for (`app.org_ids`, transaction-scoped: the organizations
 * themselves, and `@<partner id>` for the partners whose delegations it acts through).
 */
export async function withActor<T>(
  db: Handle,
  actor: Actor,
  fn: (trx: Tx) => Promise<T>,
  extra: { orgIds?: string[] } = {},
): Promise<T> {
  return transaction(db, fn, actorSettings(actor, extra.orgIds));
}

/**
 * Sets, for the rest of this transaction only, whom it acts for: the user and their
 * organizations, or the staff role. Row-level security policies read these settings.
 */
export async function actAs(trx: Tx, actor: Actor, extraOrgIds: string[] = []): Promise<void> {
  await applySettings(trx, actorSettings(actor, extraOrgIds));
}

/** The settings a transaction acting for `actor` needs, at the request's clock `at`. */
export function actorSettings(actor: Actor, extraOrgIds: string[] = [], at: Date = now()): Settings {
  // C-3: a partner user also acts for the client organizations its delegations allow. Not by
  // listing them (10,000 ids parsed on every statement, then compared per row): an `@<partner>`
  // entry says the transaction acts through that partner's delegations, which the policies look
  // up per row, with their end dates against this request's clock (migration 0035).
  const direct = [...(actor.kind === "user" ? actor.memberships.map((m) => m.orgId) : []), ...extraOrgIds];
  const through = delegatingOrgIds(actor).map((id) => `@${id}`);
  return {
    "app.org_ids": [...direct, ...through].join(","),
    "app.user_id": actor.kind === "user" ? actor.userId : "",
    "app.staff_role": actor.kind === "staff" ? actor.role : "",
    "app.now": through.length > 0 ? at.toISOString() : "",
  };
}

/**
 * Widens, for the rest of this transaction, the organizations it acts for by `orgId`. Only for
 * a relation the database itself vouches for, e.g. a partner's order for a client it pays for
 * (the trigger of migration 0023 refuses such an order without an active, full-access link).
 */
export async function actAlsoFor(trx: Tx, orgId: string): Promise<void> {
  await sql`select set_config('app.org_ids', concat_ws(',', nullif(current_setting('app.org_ids', true), ''), ${orgId}::uuid::text), true)`.execute(trx);
}
