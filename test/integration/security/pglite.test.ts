import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, createDb, switchRole, type Database } from "../../../db/client";
import { migrateToLatest } from "../../../db/migrate";
import { seedDemoData as seedDemo } from "../../../app/domain/demo/seed.server";
import { loadUserActor } from "../../../app/auth/actor.server";
import { transaction, withActor } from "../../../app/domain/tx.server";

// The embedded default (PGlite) enforces the same policies as the real server.
describe("row-level security on the embedded PGlite database", () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "portal-pglite-"));
    db = await createDb({ dataDir: join(dir, "pglite") });
    await migrateToLatest(db);
    await seedDemo(db);
    await switchRole(db, APP_ROLE);
    // Migrating and seeding PGlite takes 35-60 s on the shared 2-core machine under the full suite.
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("queries run as portal_app, see nothing without a setting, and only the acting organization's rows with one", async () => {
    const who = await sql<{ u: string }>`select current_user as u`.execute(db);
    expect(who.rows[0].u).toBe(APP_ROLE);
    const none = await transaction(db, (trx) => sql<{ n: number }>`select count(*)::int as n from memberships`.execute(trx));
    expect(none.rows[0].n).toBe(0);

    const julien = await sql<{ id: string; email: string }>`select id, email from users where email = 'julien.favre@lemandigital.ch'`.execute(db);
    const actor = await loadUserActor(db, julien.rows[0]);
    expect(actor.memberships.map((m) => m.orgName)).toEqual(["Léman Digital SA"]);
    const seen = await withActor(db, actor, (trx) =>
      sql<{ org: string }>`select distinct o.name as org from memberships m join organizations o on o.id = m.org_id`.execute(trx),
    );
    expect(seen.rows.map((r) => r.org)).toEqual(["Léman Digital SA"]);
    const leak = await withActor(db, actor, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from products p join organizations o on o.id = p.org_id where o.name = 'Alpine Web GmbH'`.execute(trx),
    );
    expect(leak.rows[0].n).toBe(0);
  });
});
