import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, createDb, switchRole, type Database } from "../../../db/client";
import { migrateToLatest } from "../../../db/migrate";
import { runClientExport } from "../../../app/domain/clients/export-job.server";
import { exportFilePath } from "../../../app/domain/clients/exports.server";

// C-6 on the embedded default: PGlite is one connection, so the export reads its rows in short
// keyset-paged transactions; whatever the chunk size, the file is the same.
describe("client exports on the embedded PGlite database", () => {
  let dir: string;
  let db: Database;
  let exportIds: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "portal-pglite-exports-"));
    process.env.EXPORTS_DIR = join(dir, "exports");
    db = await createDb({ dataDir: join(dir, "pglite") });
    await migrateToLatest(db);
    // As the owner, in SQL: a partner and its two clients (no demo seed: its password hashing is slow).
    await sql`insert into users (email, name, password_hash) values
      ('rep@partner.example', 'Partner Rep', 'x'), ('vogel@client.example', 'Nina Vogel', 'x'), ('studer@client.example', 'Peter Studer', 'x')`.execute(db);
    // The representative must be a member (a deferred constraint): organizations and memberships in one transaction.
    await db.transaction().execute(async (trx) => {
      await sql`insert into organizations (name, legal_rep_user_id) select o.name, u.id from (values
        ('Helvetia Webpartner AG', 'rep@partner.example'), ('Atelier Vogel', 'vogel@client.example'), ('Bäckerei Studer GmbH', 'studer@client.example')) o(name, email)
        join users u on u.email = o.email`.execute(trx);
      await sql`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations`.execute(trx);
    });
    await sql`insert into program_memberships (org_id, program, since) select id, 'partner', now() - interval '2 years' from organizations where name = 'Helvetia Webpartner AG'`.execute(db);
    await sql`insert into partner_client_links (org_id, client_org_id, state, access, billing_access, since)
      select p.id, c.id, 'active', 'full', true, now() - interval '1 year' from organizations p, organizations c
      where p.name = 'Helvetia Webpartner AG' and c.name in ('Atelier Vogel', 'Bäckerei Studer GmbH')`.execute(db);
    const { rows } = await sql<{ partner: string; rep: string }>`
      select id as partner, legal_rep_user_id as rep from organizations where name = 'Helvetia Webpartner AG'`.execute(db);
    const { partner, rep } = rows[0];
    await sql`create temporary table demo_inv as
      select gen_random_uuid() as order_id, gen_random_uuid() as invoice_id, l.client_org_id as org_id, n,
             now() - n * interval '10 days' as issued_at, row_number() over () as seq
      from partner_client_links l cross join generate_series(1, 3) n where l.org_id = ${partner}::uuid`.execute(db);
    await sql`insert into orders (id, org_id, kind, status, currency, language, net_amount, total_amount, paid_at)
      select order_id, org_id, 'renewal', 'paid', 'CHF', 'de', 4000, 4000, issued_at from demo_inv`.execute(db);
    await sql`insert into invoices (id, org_id, order_id, number, year, sequence, issued_at, language, currency, net_amount, vat_rate_bp, vat_amount, total_amount, bill_to, paid_by)
      select invoice_id, org_id, order_id, '2091-' || lpad(seq::text, 6, '0'), 2091, seq, issued_at, 'de', 'CHF', 4000, 0, 0, 4000,
        '{"name":"Demo","street":null,"postalCode":null,"city":null,"country":"CH","vatId":null}', '[{"method":"visa","amount":4000}]'
      from demo_inv`.execute(db);
    await sql`insert into invoice_lines (org_id, invoice_id, position, description, unit_amount, quantity, discount_amount, net_amount)
      select org_id, invoice_id, p, 'Line ' || n || '.' || p, 1000, 1, 0, 1000 from demo_inv cross join generate_series(1, 4) p`.execute(db);
    exportIds = [];
    for (let i = 0; i < 3; i++) {
      const row = await db
        .insertInto("client_exports")
        .values({ org_id: partner, requested_by: rep, format: "csv", language: "en", created_at: new Date() })
        .returning("id")
        .executeTakeFirstOrThrow();
      exportIds.push(row.id);
    }
    await switchRole(db, APP_ROLE);
  }, 120_000);
  afterAll(async () => {
    delete process.env.EXPORTS_DIR;
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("C-6: the export reads keyset-paged chunks and writes the same file whatever the chunk size", async () => {
    const files: string[] = [];
    for (const [i, chunk] of [1, 7, 5000].entries()) {
      const progress: number[] = [];
      const outcome = await runClientExport(db, exportIds[i], async (p) => void progress.push(p), chunk);
      expect(outcome).toMatchObject({ status: "done", rows: 24 });
      expect(progress.at(-1)).toBe(100);
      files.push((await readFile(exportFilePath(exportIds[i], "csv"), "utf8")).replace(/^\uFEFF/, ""));
    }
    expect(files[1]).toBe(files[0]);
    expect(files[2]).toBe(files[0]);
    const lines = files[0].split("\r\n").slice(1, -1);
    expect(lines).toHaveLength(24);
    expect(lines.filter((l) => l.startsWith("Atelier Vogel"))).toHaveLength(12);
    expect(lines.filter((l) => l.startsWith("Bäckerei Studer GmbH"))).toHaveLength(12);
    // Within a client: oldest invoice first, lines in order.
    expect(lines[0]).toContain(";Line 3.1;");
    expect(lines[3]).toContain(";Line 3.4;");
    expect(lines[4]).toContain(";Line 2.1;");
  });
});
