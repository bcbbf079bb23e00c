import { pathToFileURL } from "node:url";
import pg from "pg";
import { sql } from "kysely";
import { APP_ROLE, createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { allows, defineAbilityFor } from "../app/auth/ability";
import { loadSessionActor } from "../app/auth/actor.server";
import type { UserActor } from "../app/auth/actor";
import { newToken } from "../app/auth/tokens.server";
import { withActor } from "../app/domain/tx.server";
import { benchDatabaseUrl } from "./setup-db";

// C-3/C-4: the per-request authorization cost of a partner with 10,000 clients (9,000 with
// full access, 1,000 of them also with billing; 1,000 with limited access to 2 products
// each), beside the legal representative of one organization, measured in the same run:
// loading the session actor (one round trip; again right after a change of the delegations,
// when the lists come again), building the CASL ability, checking one action, one tenant
// query under row-level security, and a list over many client rows (2,000 products of 1,000
// clients) beside the representative listing 2,000 products of its own organization.
const CLIENTS = 10_000;
/** The list query: this many clients' products (2 each) for the partner, twice as many own products for the baseline. */
const LISTED_CLIENTS = 1_000;
const ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const DB_NAME = "portal_bench_partner";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];

async function seed() {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${DB_NAME} with (force)`);
  await admin.query(`create database ${DB_NAME}`);
  await admin.end();
  const db = await createDb({ databaseUrl: benchDatabaseUrl(DB_NAME) });
  await migrateToLatest(db);
  const partner = newToken();
  const member = newToken();
  await db.transaction().execute(async (trx) => {
    await sql`insert into users (email, name, password_hash)
      select 'u' || g || '@bench.example', 'User ' || g, 'x' from generate_series(0, ${CLIENTS + 1}) g`.execute(trx);
    // Organization g is represented by user g: 0 is the partner, CLIENTS + 1 the baseline's.
    await sql`insert into organizations (name, legal_rep_user_id)
      select 'Org ' || lpad(g::text, 5, '0'), u.id from generate_series(0, ${CLIENTS + 1}) g
      join users u on u.email = 'u' || g || '@bench.example'`.execute(trx);
    await sql`insert into memberships (org_id, user_id, role) select o.id, o.legal_rep_user_id, 'admin' from organizations o`.execute(trx);
  });
  await sql`insert into program_memberships (org_id, program, since)
    select o.id, 'partner', now() from organizations o where o.name = 'Org 00000'`.execute(db);
  await sql`insert into partner_client_links (org_id, client_org_id, state, access, billing_access, since)
    select p.id, c.id, 'active',
      case when c.name > 'Org 09000' then 'limited' else 'full' end,
      c.name between 'Org 08001' and 'Org 09000', now()
    from organizations p, organizations c
    where p.name = 'Org 00000' and c.name between 'Org 00001' and ${`Org ${String(CLIENTS).padStart(5, "0")}`}`.execute(db);
  await sql`insert into products (org_id, type, name)
    select c.id, 'hosting', 'p' || k || '-' || c.name from organizations c, generate_series(1, 2) k
    where c.name between 'Org 00001' and ${`Org ${String(CLIENTS).padStart(5, "0")}`}`.execute(db);
  await sql`insert into partner_link_products (org_id, link_id, product_id, manage, stats)
    select l.client_org_id, l.id, p.id, true, true from partner_client_links l join products p on p.org_id = l.client_org_id
    where l.access = 'limited'`.execute(db);
  // The baseline's own products, as many as the partner's list shows.
  await sql`insert into products (org_id, type, name)
    select o.id, 'hosting', 'own-' || lpad(g::text, 5, '0') from organizations o, generate_series(1, ${2 * LISTED_CLIENTS}) g
    where o.name = ${`Org ${String(CLIENTS + 1).padStart(5, "0")}`}`.execute(db);
  await sql`analyze`.execute(db);
  await sql`insert into sessions (token_hash, user_id, expires_at)
    select ${partner.tokenHash}, id, now() + interval '1 day' from users where email = 'u0@bench.example'
    union all
    select ${member.tokenHash}, id, now() + interval '1 day' from users where email = ${`u${CLIENTS + 1}@bench.example`}`.execute(db);
  const someClient = await sql<{ org_id: string; id: string }>`
    select p.org_id, p.id from products p join organizations o on o.id = p.org_id where o.name = 'Org 05000' limit 1`.execute(db);
  await db.destroy();
  return { partnerToken: partner.token, memberToken: member.token, client: someClient.rows[0] };
}

function timeSync(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    out.push(performance.now() - s);
  }
  return out;
}

async function timeAsync(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    out.push(performance.now() - s);
  }
  return out;
}

const ms = (x: number) => `${x.toFixed(3)} ms`;

export async function benchPartnerAbility(): Promise<void> {
  const seedStart = performance.now();
  const seeded = await seed();
  const seedMs = performance.now() - seedStart;
  const db = await createDb({ databaseUrl: benchDatabaseUrl(DB_NAME), poolSize: 2, role: APP_ROLE });
  try {
    const load = async (token: string) => (await loadSessionActor(db, token))!.actor;
    const partner: UserActor = await load(seeded.partnerToken);
    const member: UserActor = await load(seeded.memberToken);
    const d = partner.delegations?.[0];
    if (!d || d.full.length + d.limited.length !== CLIENTS) throw new Error("the partner's delegations were not loaded");
    const memberOrg = member.memberships[0].orgId;
    const { client } = seeded;

    const rows: Array<[string, number[], number[]]> = [];
    rows.push(["session actor (1 round trip)", await timeAsync(30, () => load(seeded.memberToken)), await timeAsync(30, () => load(seeded.partnerToken))]);
    // The partner's first request after a change of its delegations (migration 0035): the
    // stamp is stale, so the lists come again. A change of the baseline's organization alike.
    const owner = await createDb({ databaseUrl: benchDatabaseUrl(DB_NAME), poolSize: 1 });
    try {
      const bumpThenLoad = async (token: string, orgId: string) => {
        const out: number[] = [];
        for (let i = 0; i < 20; i++) {
          await sql`select portal_bump_delegation_epochs(array[${orgId}]::uuid[])`.execute(owner);
          const s = performance.now();
          await load(token);
          out.push(performance.now() - s);
        }
        return out;
      };
      rows.push(["session actor after a change", await bumpThenLoad(seeded.memberToken, memberOrg), await bumpThenLoad(seeded.partnerToken, d.partnerOrgId)]);
    } finally {
      await owner.destroy();
    }
    for (let i = 0; i < 50; i++) {
      defineAbilityFor(partner);
      defineAbilityFor(member);
    }
    rows.push(["build the ability", timeSync(300, () => defineAbilityFor(member)), timeSync(300, () => defineAbilityFor(partner))]);
    // What a request pays: build, then its first check (CASL compiles the rule's conditions lazily).
    rows.push([
      "build + first check",
      timeSync(300, () => allows(defineAbilityFor(member), "update", "Product", { orgId: memberOrg, id: client.id })),
      timeSync(300, () => allows(defineAbilityFor(partner), "update", "Product", { orgId: client.org_id, id: client.id })),
    ]);
    const pa = defineAbilityFor(partner);
    const ma = defineAbilityFor(member);
    if (!allows(pa, "update", "Product", { orgId: client.org_id, id: client.id })) throw new Error("the partner should manage the client's product");
    rows.push([
      "one more check",
      timeSync(2000, () => allows(ma, "update", "Product", { orgId: memberOrg, id: client.id })),
      timeSync(2000, () => allows(pa, "update", "Product", { orgId: client.org_id, id: client.id })),
    ]);
    const query = (actor: UserActor, orgId: string) => withActor(db, actor, (trx) => trx.selectFrom("products").select("id").where("org_id", "=", orgId).limit(10).execute());
    rows.push(["one tenant query under RLS", await timeAsync(50, () => query(member, memberOrg)), await timeAsync(50, () => query(partner, client.org_id))]);
    // A list over many client rows, filtered in SQL by the orgs asked for (as the ability's $in
    // list would), under row-level security: 2,000 products of 1,000 full-access clients.
    // Spread over the partner's clients (not the first ones of its lists).
    const stride = Math.floor(d.full.length / LISTED_CLIENTS);
    const listed = Array.from({ length: LISTED_CLIENTS }, (_, i) => d.full[i * stride]);
    const list = (actor: UserActor, orgIds: string[]) =>
      withActor(db, actor, (trx) => trx.selectFrom("products").select(["id", "org_id", "name"]).where("org_id", "in", orgIds).orderBy("name").execute());
    const listRows = (await list(partner, listed)).length;
    const ownRows = (await list(member, [memberOrg])).length;
    if (listRows !== 2 * LISTED_CLIENTS || ownRows !== 2 * LISTED_CLIENTS) throw new Error(`list: ${listRows} client rows, ${ownRows} own rows`);
    rows.push([`list ${(2 * LISTED_CLIENTS).toLocaleString("en")} products (RLS)`, await timeAsync(20, () => list(member, [memberOrg])), await timeAsync(20, () => list(partner, listed))]);

    const rules = (a: ReturnType<typeof defineAbilityFor>) => a.rules.length;
    console.log(`\nPartner ability, ${CLIENTS.toLocaleString("en")} clients (seeded in ${(seedMs / 1000).toFixed(1)} s); median (p99)`);
    console.log(`CASL rules: one-org member ${rules(ma)}, partner ${rules(pa)}`);
    console.log(`list: the baseline lists its own products; the partner lists those of ${LISTED_CLIENTS.toLocaleString("en")} clients (where org_id in …)`);
    console.log(`${"".padEnd(30)}${"one-org member (baseline)".padEnd(28)}partner, 10,000 clients`);
    for (const [label, base, part] of rows) {
      console.log(`${label.padEnd(30)}${`${ms(median(base))} (${ms(p99(base))})`.padEnd(28)}${ms(median(part))} (${ms(p99(part))})`);
    }
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchPartnerAbility();
  process.exit(0);
}
