import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, createDb, switchRole, type Database } from "../../../db/client";
import { migrateToLatest } from "../../../db/migrate";
import { seedDemoData as seedDemo } from "../../../app/domain/demo/seed.server";
import { loadSessionActor, loadUserActor } from "../../../app/auth/actor.server";
import { newToken } from "../../../app/auth/tokens.server";
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

  it("C-3: a partner user acts in its clients' organizations through delegations looked up per row (migration 0035); a link ended applies at once", async () => {
    const thomas = await sql<{ id: string }>`select id from users where email = 'thomas.graf@helvetia-partner.ch'`.execute(db);
    const { token, tokenHash } = newToken();
    await sql`insert into sessions (token_hash, user_id, expires_at) values (${tokenHash}, ${thomas.rows[0].id}, now() + interval '1 day')`.execute(db);
    const clientOrgs = async (actor: NonNullable<Awaited<ReturnType<typeof loadSessionActor>>>["actor"]) =>
      (
        await withActor(db, actor, (trx) =>
          sql<{ org: string }>`select distinct o.name as org from products p join organizations o on o.id = p.org_id where o.name <> 'Helvetia Webpartner AG' order by 1`.execute(trx),
        )
      ).rows.map((r) => r.org);

    const first = (await loadSessionActor(db, token))!.actor;
    expect(first.delegations?.[0].full).toHaveLength(2);
    expect((await loadSessionActor(db, token))!.actor.delegations).toBe(first.delegations);
    expect(await clientOrgs(first)).toEqual(["Atelier Vogel", "Bäckerei Studer GmbH"]);

    await switchRole(db, "postgres");
    await sql`update partner_client_links set state = 'ended', ended_at = now(), end_reason = 'client'
      where client_org_id = (select id from organizations where name = 'Atelier Vogel')`.execute(db);
    await switchRole(db, APP_ROLE);
    expect(await clientOrgs(first)).toEqual(["Bäckerei Studer GmbH"]);
    const next = (await loadSessionActor(db, token))!.actor;
    expect(next.delegations?.[0].full).toHaveLength(1);
    expect(await clientOrgs(next)).toEqual(["Bäckerei Studer GmbH"]);
  });
});
