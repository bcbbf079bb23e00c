import { randomUUID } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { sql } from "kysely";
import { APP_ROLE, createDb } from "../db/client";
import { previousBillingMonth, runPartnerCashback } from "../app/domain/partners/cashback.server";
import { load, row, startProcess, type LoadResult } from "./lib";
import { BENCH_PASSWORD, benchDatabaseUrl, freshDatabase } from "./setup-db";

// Issue 6 benchmarks: the monthly cashback run (P-9) and the reseller space (P-10).

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Peak resident memory of this process while `fn` runs (sampled every 20 ms), in MB. */
async function withPeakMemory<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; baseMb: number }> {
  const baseMb = process.memoryUsage().rss / 1e6;
  let peak = baseMb;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 1e6)), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss / 1e6);
    return { value, peakMb: peak, baseMb };
  } finally {
    clearInterval(timer);
  }
}

/**
 * `partners` partners with `clients` clients each; every client paid one invoice (a Business
 * hosting renewal, CHF 199.00 net) in `month`; every partner in the Silver tier (one product
 * worth CHF 10,000 a year). Generated in SQL.
 */
async function seedCashbackDb(partners: number, clients: number, month: string, name = "portal_bench_cashback") {
  const db = await freshDatabase(name);
  const issued = `${month.slice(0, 8)}15T09:00:00Z`;
  await db.transaction().execute(async (trx) => {
    await sql.raw(`insert into users (email, name, password_hash) values ('rep@bench.example', 'Bench Rep', 'not-a-login')`).execute(trx);
    await sql.raw(`
      insert into product_types (code, kind, name, billing_period, price_chf, price_eur, renewal_months, sort_order)
        values ('bench-volume', 'storage', 'Bench volume', 'year', 1000000, 1000000, '{12}', 99)`).execute(trx);
    await sql.raw(`
      create temporary table bench_orgs as
        select md5('p' || p)::uuid as partner, md5('c' || p || '-' || c)::uuid as client, p, c
        from generate_series(1, ${partners}) p, generate_series(1, ${clients}) c`).execute(trx);
    await sql.raw(`
      insert into organizations (id, name, legal_rep_user_id)
        select distinct partner, 'Partner ' || p, (select id from users) from bench_orgs
        union all select client, 'Client ' || p || '-' || c, (select id from users) from bench_orgs`).execute(trx);
    await sql.raw(`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations`).execute(trx);
    await sql.raw(`insert into program_memberships (org_id, program, since) select distinct partner, 'partner', '2020-01-01'::timestamptz from bench_orgs`).execute(trx);
    await sql.raw(`insert into products (org_id, type, name, product_type_code) select distinct partner, 'storage', 'volume', 'bench-volume' from bench_orgs`).execute(trx);
    await sql.raw(`insert into partner_client_links (org_id, client_org_id, state, since) select partner, client, 'active', '2020-01-01'::timestamptz from bench_orgs`).execute(trx);
    await sql.raw(`
      insert into orders (id, org_id, kind, status, currency, language, net_amount, vat_rate_bp, vat_amount, total_amount, created_at, paid_at)
        select md5('o' || client)::uuid, client, 'renewal', 'paid', 'CHF', 'de', 19900, 810, 1612, 21512, '${issued}', '${issued}' from bench_orgs`).execute(trx);
    await sql.raw(`
      insert into order_lines (org_id, order_id, position, product_type_code, description, months, unit_amount, quantity, net_amount)
        select client, md5('o' || client)::uuid, 1, 'hosting-business', 'Web hosting Business', 12, 19900, 1, 19900 from bench_orgs`).execute(trx);
    await sql.raw(`
      insert into invoices (id, org_id, order_id, number, year, sequence, issued_at, language, currency, net_amount, vat_rate_bp, vat_amount, total_amount, bill_to, paid_by)
        select md5('i' || client)::uuid, client, md5('o' || client)::uuid, '2026-' || lpad(row_number() over ()::text, 6, '0'), 2026, row_number() over (),
               '${issued}', 'de', 'CHF', 19900, 810, 1612, 21512, '{"name":"Client"}', '[]' from bench_orgs`).execute(trx);
    await sql.raw(`
      insert into invoice_lines (org_id, invoice_id, position, description, unit_amount, quantity, discount_amount, net_amount)
        select client, md5('i' || client)::uuid, 1, 'Web hosting Business', 19900, 1, 0, 19900 from bench_orgs`).execute(trx);
  });
  await sql`analyze`.execute(db);
  await db.destroy();
  return benchDatabaseUrl(name);
}

/**
 * P-9: the monthly cashback of 2,000 partners with 100 clients each (200,000 client-paid
 * invoices), each partner in its own transaction as the job runs it, sequentially and with 8
 * at once; beside a bare SQL aggregate of the same rows (one statement, as the owner).
 */
export async function benchCashbackRun(partners = 2000, clients = 100): Promise<void> {
  const month = previousBillingMonth(new Date());
  const seedStart = performance.now();
  const databaseUrl = await seedCashbackDb(partners, clients, month);
  const seedMs = performance.now() - seedStart;
  const owner = await createDb({ databaseUrl, poolSize: 2 });
  const app = await createDb({ databaseUrl, poolSize: 8, role: APP_ROLE });
  try {
    const ids = (await owner.selectFrom("program_memberships").select("org_id").orderBy("org_id").execute()).map((r) => r.org_id);
    const baseline = await timed(() =>
      sql<{ n: number }>`
        select count(*)::int as n from (
          select l.org_id, sum((il.net_amount * 2500 * 2 + 10000) / 20000) as cashback
          from partner_client_links l
          join invoices i on i.org_id = l.client_org_id
          join invoice_lines il on il.invoice_id = i.id
          where l.state = 'active' and i.client_org_id is null
            and i.issued_at >= (${month}::date)::timestamp at time zone 'Europe/Zurich'
            and i.issued_at < (${month}::date + interval '1 month')::timestamp at time zone 'Europe/Zurich'
          group by l.org_id) t`.execute(owner),
    );
    const half = Math.floor(ids.length / 2);
    const sequential = await withPeakMemory(() =>
      timed(async () => {
        for (const id of ids.slice(0, half)) await runPartnerCashback(app, id, month);
      }),
    );
    const concurrent = await withPeakMemory(() =>
      timed(async () => {
        const queue = ids.slice(half);
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let id = queue.shift(); id; id = queue.shift()) await runPartnerCashback(app, id, month);
          }),
        );
      }),
    );
    const lines = Number((await owner.selectFrom("partner_cashback_lines").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const credited = Number((await owner.selectFrom("partner_cashback_statements").select(sql<number>`sum(amount)`.as("s")).executeTakeFirstOrThrow()).s);
    const again = await timed(() => runPartnerCashback(app, ids[0], month));
    const perPartner = (ms: number, n: number) => `${(ms / n).toFixed(1)} ms/partner`;
    console.log(`\nMonthly cashback, ${partners.toLocaleString("en")} partners × ${clients} clients (${(partners * clients).toLocaleString("en")} client invoices); seeded in ${(seedMs / 1000).toFixed(1)} s`);
    console.log(`bare SQL aggregate of the same rows (owner): ${baseline.ms.toFixed(0)} ms for ${baseline.value.rows[0].n} partners`);
    console.log(`job, one partner at a time (${half}):         ${(sequential.value.ms / 1000).toFixed(1)} s, ${perPartner(sequential.value.ms, half)}, peak RSS ${sequential.peakMb.toFixed(0)} MB (from ${sequential.baseMb.toFixed(0)} MB)`);
    console.log(`job, 8 partners at once (${ids.length - half}):            ${(concurrent.value.ms / 1000).toFixed(1)} s, ${perPartner(concurrent.value.ms, ids.length - half)}, peak RSS ${concurrent.peakMb.toFixed(0)} MB`);
    console.log(`all partners projected at 8 at once:        ${((concurrent.value.ms / (ids.length - half)) * ids.length / 1000).toFixed(1)} s; lines written ${lines.toLocaleString("en")}, credited CHF ${(credited / 100).toFixed(2)}`);
    console.log(`second run for one partner (already done):  ${again.ms.toFixed(1)} ms, outcome ${again.value.outcome}`);
  } finally {
    await owner.destroy();
    await app.destroy();
  }
}

/** One partner with `clients` active clients (two products and one paid invoice each), its representative's login. */
async function seedResellerDb(clients: number, name = "portal_bench_reseller") {
  const db = await freshDatabase(name);
  const rep = { id: randomUUID(), email: "partner@bench.example", name: "Partner Rep", password_hash: await hash(BENCH_PASSWORD) };
  const partner = randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("users").values(rep).execute();
    await trx.insertInto("organizations").values({ id: partner, name: "Bench Reseller AG", legal_rep_user_id: rep.id }).execute();
    await trx.insertInto("memberships").values({ org_id: partner, user_id: rep.id, role: "admin" }).execute();
    await trx.insertInto("program_memberships").values({ org_id: partner, program: "partner", since: new Date("2020-01-01") }).execute();
    // Each client has its own representative: the partner's user is a member of the partner only.
    await sql.raw(`
      insert into users (id, email, name, password_hash)
        select md5('u' || c)::uuid, 'client' || c || '@bench.example', 'Client Rep ' || c, 'not-a-login' from generate_series(1, ${clients}) c`).execute(trx);
    await sql.raw(`
      insert into organizations (id, name, legal_rep_user_id)
        select md5('c' || c)::uuid, 'Client ' || lpad(c::text, 5, '0'), md5('u' || c)::uuid from generate_series(1, ${clients}) c`).execute(trx);
    await sql.raw(`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations where id <> '${partner}'`).execute(trx);
    await sql.raw(`insert into partner_client_links (org_id, client_org_id, state, since) select '${partner}', md5('c' || c)::uuid, 'active', '2020-01-01' from generate_series(1, ${clients}) c`).execute(trx);
    await sql.raw(`
      insert into products (org_id, type, name, product_type_code)
        select md5('c' || c)::uuid, t.type, 'p' || c || t.type, t.code
        from generate_series(1, ${clients}) c, (values ('domain', 'domain-ch'), ('hosting', 'hosting-business')) t(type, code)`).execute(trx);
    await sql.raw(`
      insert into orders (id, org_id, kind, status, currency, language, net_amount, vat_rate_bp, vat_amount, total_amount, created_at, paid_at)
        select md5('o' || c)::uuid, md5('c' || c)::uuid, 'renewal', 'paid', 'CHF', 'de', 19900, 810, 1612, 21512, now() - (c % 300) * interval '1 day', now() - (c % 300) * interval '1 day'
        from generate_series(1, ${clients}) c`).execute(trx);
    await sql.raw(`
      insert into invoices (org_id, order_id, number, year, sequence, issued_at, language, currency, net_amount, vat_rate_bp, vat_amount, total_amount, bill_to, paid_by)
        select md5('c' || c)::uuid, md5('o' || c)::uuid, '2026-' || lpad(c::text, 6, '0'), 2026, c, now() - (c % 300) * interval '1 day', 'de', 'CHF', 19900, 810, 1612, 21512, '{"name":"Client"}', '[]'
        from generate_series(1, ${clients}) c`).execute(trx);
  });
  await sql`analyze`.execute(db);
  await db.destroy();
  return { partner, email: rep.email, password: BENCH_PASSWORD, databaseUrl: benchDatabaseUrl(name) };
}

/**
 * P-10: the reseller space (page 2 of the client list, the tier, the 12-month revenue chart)
 * of a partner with 5,000 clients, signed in, under 20 concurrent connections, beside a bare
 * node:http server answering the same domain call as JSON.
 */
export async function benchResellerSpace(clients = 5000): Promise<void> {
  const seeded = await seedResellerDb(clients);
  const env = { DATABASE_URL: seeded.databaseUrl, NODE_ENV: "production", INSECURE_COOKIES: "1", SESSION_SECRET: "bench-secret", REDIS_URL: undefined, PORT: "0" };
  const path = `/orgs/${seeded.partner}/partner/space?page=2`;
  const measureBare = async () => {
    const bare = await startProcess("bench/bare-reseller-space-server.ts", { ...env, ORG_ID: seeded.partner, USER_EMAIL: seeded.email });
    try {
      return await load(`${bare.url}/?page=2`);
    } finally {
      await bare.stop();
    }
  };
  const measurePortal = async () => {
    const portal = await startProcess("server.ts", env);
    try {
      const signIn = await fetch(`${portal.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: seeded.email, password: seeded.password }),
      });
      const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      if (signIn.status !== 302 || !cookie) throw new Error(`bench sign-in failed: ${signIn.status}`);
      const check = await fetch(`${portal.url}${path}`, { headers: { Cookie: cookie } });
      if (check.status !== 200 || !(await check.text()).includes("Client 00026")) throw new Error(`reseller space answered ${check.status}`);
      return await load(`${portal.url}${path}`, { headers: { Cookie: cookie, "Accept-Language": "de-CH" } });
    } finally {
      await portal.stop();
    }
  };
  // Alternating (bare, page, bare, page), the better run of each counts (the 2-core machine drifts).
  const bare: LoadResult[] = [];
  const pages: LoadResult[] = [];
  for (let round = 0; round < 2; round++) {
    bare.push(await measureBare());
    pages.push(await measurePortal());
  }
  const best = (runs: LoadResult[]) => runs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  const baseline = best(bare);
  const page = best(pages);
  console.log(`\nReseller space, partner with ${clients.toLocaleString("en")} clients, 20 connections`);
  console.log(row("bare node:http, same domain call as JSON", baseline));
  console.log(row("portal page", page));
  console.log(`ratio portal/bare:          ${(page.requestsPerSec / baseline.requestsPerSec).toFixed(2)} (target ≥ 0.50)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[2];
  if (which !== "space") await benchCashbackRun();
  if (which !== "cashback") await benchResellerSpace();
  process.exit(0);
}
