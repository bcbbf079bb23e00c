import { spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { APP_ROLE, createDb } from "../db/client";
import { freshDatabase, benchDatabaseUrl } from "./setup-db";

// C-6: a partner's export of 1,000,000 invoice lines to XLSX through the real job path (the
// page's domain call writes the export row and enqueues the BullMQ job; the worker streams
// the rows from Postgres under row-level security into ExcelJS's streaming writer), beside
// ExcelJS's streaming writer writing the same rows with no database. Each side runs in its
// own child process, so its peak memory (the kernel's high-water mark, and rss sampled every
// 100 ms) is its own; the job's runs with the node flags of `npm run workers` (a heap limit, so V8
// collects the export's garbage early rather than letting the process grow). Targets: ≥ 0.8 of
// the baseline's rows/s, peak memory < 300 MB.

const LINES = Number(process.env.BENCH_EXPORT_LINES || 1_000_000);
const LINES_PER_INVOICE = 10;
const CLIENTS = 10;
const DB_NAME = "portal_bench_exports";
const self = fileURLToPath(import.meta.url);

interface Figures {
  rows: number;
  seconds: number;
  peakMb: number;
  sampledPeakMb: number;
  fileMb: number;
}

/** Seeds a partner with 10 clients and LINES invoice lines (half client-paid, half partner-paid) in SQL. */
async function seed() {
  const db = await freshDatabase(DB_NAME);
  const invoices = Math.ceil(LINES / LINES_PER_INVOICE);
  await db.transaction().execute(async (trx) => {
    const q = (text: string) => sql.raw(text).execute(trx);
    await q(`insert into users (email, name, password_hash) values ('rep@partner.bench', 'Partner Rep', 'not-a-login')`);
    await q(`insert into users (email, name, password_hash) select 'client' || n || '@bench.example', 'Client Rep ' || n, 'not-a-login' from generate_series(1, ${CLIENTS}) n`);
    await q(`insert into organizations (name, legal_rep_user_id) select 'Bench Partner AG', id from users where email = 'rep@partner.bench'`);
    await q(`insert into organizations (name, legal_rep_user_id) select 'Client ' || lpad(substr(email, 7, position('@' in email) - 7), 2, '0') || ' AG', id from users where email like 'client%'`);
    await q(`insert into memberships (org_id, user_id, role) select id, legal_rep_user_id, 'admin' from organizations`);
    await q(`insert into program_memberships (org_id, program, since) select id, 'partner', '2025-01-01' from organizations where name = 'Bench Partner AG'`);
    await q(`insert into partner_client_links (org_id, client_org_id, state, access, billing_access, payer, since)
      select p.id, c.id, 'active', 'full', true, 'client', '2025-01-01' from organizations p, organizations c where p.name = 'Bench Partner AG' and c.name like 'Client %'`);
    // Invoice g belongs to client g % CLIENTS; even invoices the client paid, odd ones the partner paid for it.
    await q(`create temporary table bench_inv as
      with c as (select id, row_number() over (order by name) - 1 as n from organizations where name like 'Client %'),
           p as (select id from organizations where name = 'Bench Partner AG')
      select g, gen_random_uuid() as order_id, gen_random_uuid() as invoice_id, c.id as client_id, p.id as partner_id,
             case when g % 2 = 0 then c.id else p.id end as org_id,
             timestamptz '2025-02-01 09:00+01' + (g % 500) * interval '1 day' + g * interval '1 second' as issued_at
      from generate_series(0, ${invoices - 1}) g join c on c.n = g % ${CLIENTS} cross join p`);
    const net = LINES_PER_INVOICE * 17_910;
    await q(`insert into orders (id, org_id, kind, status, currency, language, net_amount, vat_rate_bp, vat_amount, total_amount, created_at, paid_at)
      select order_id, org_id, 'renewal', 'paid', 'CHF', 'en', ${net}, 810, ${Math.round(net * 0.081)}, ${net + Math.round(net * 0.081)}, issued_at, issued_at from bench_inv`);
    await q(`insert into invoices (id, org_id, order_id, number, year, sequence, issued_at, language, currency, net_amount, vat_rate_bp, vat_amount, total_amount, bill_to, paid_by, client_org_id)
      select invoice_id, org_id, order_id, '2090-' || lpad((g + 1)::text, 6, '0'), 2090, g + 1, issued_at, 'en', 'CHF', ${net}, 810, ${Math.round(net * 0.081)}, ${net + Math.round(net * 0.081)},
        '{"name":"Bench","street":null,"postalCode":null,"city":null,"country":"CH","vatId":null}',
        jsonb_build_array(jsonb_build_object('method', 'visa', 'amount', ${net + Math.round(net * 0.081)})),
        case when g % 2 = 1 then client_id end
      from bench_inv`);
    await q(`insert into invoice_lines (org_id, invoice_id, position, description, period_from, period_to, unit_amount, quantity, discount_amount, net_amount)
      select i.org_id, i.invoice_id, l, 'Web hosting Business bench-' || i.g || '-' || l || '.ch, renewal', i.issued_at, i.issued_at + interval '1 year', 19900, 1, 1990, 17910
      from bench_inv i cross join generate_series(1, ${LINES_PER_INVOICE}) l`);
    await q(`insert into partner_cashback_lines (org_id, client_org_id, invoice_id, month, rate_bp, amount, currency, created_at)
      select partner_id, client_id, invoice_id, date_trunc('month', issued_at)::date, 1500, ${Math.round(net * 0.15)}, 'CHF', issued_at from bench_inv where g % 2 = 0`);
  });
  await sql`analyze`.execute(db);
  const partner = await db.selectFrom("organizations").select("id").where("name", "=", "Bench Partner AG").executeTakeFirstOrThrow();
  const rep = await db.selectFrom("users").select(["id", "email"]).where("email", "=", "rep@partner.bench").executeTakeFirstOrThrow();
  await db.destroy();
  return { partnerOrgId: partner.id, rep };
}

function measureMemory() {
  let sampled = process.memoryUsage().rss;
  let tick = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    sampled = Math.max(sampled, m.rss);
    if (process.env.BENCH_MEMLOG && ++tick % Number(process.env.BENCH_MEMLOG_EVERY ?? 20) === 0) console.error(`rss ${(m.rss / 1e6).toFixed(0)} heap ${(m.heapUsed / 1e6).toFixed(0)}/${(m.heapTotal / 1e6).toFixed(0)} external ${(m.external / 1e6).toFixed(0)} buffers ${(m.arrayBuffers / 1e6).toFixed(0)}`);
  }, 100);
  return () => {
    clearInterval(timer);
    sampled = Math.max(sampled, process.memoryUsage().rss);
    // maxRSS is the kernel's high-water mark in KiB: no sampling gap can miss a peak.
    return { peakMb: process.resourceUsage().maxRSS / 1024, sampledPeakMb: sampled / 1024 / 1024 };
  };
}

/** The baseline: ExcelJS's streaming writer writing the same rows (same columns, formats, options), no database. */
async function childBaseline(dir: string): Promise<Figures> {
  const { EXPORT_COLUMNS } = await import("../app/domain/clients/export-format");
  const { appendXlsxRow, xlsxBackpressure, xlsxCellStyles, xlsxColumns, xlsxWorkbook } = await import("../app/domain/clients/export-writers.server");
  const { translator } = await import("../app/i18n/index");
  const t = translator("en");
  const memory = measureMemory();
  const start = performance.now();
  const path = join(dir, "baseline.xlsx");
  const out = createWriteStream(path);
  const workbook = xlsxWorkbook(out);
  const sheet = workbook.addWorksheet("Client invoices", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = xlsxColumns(EXPORT_COLUMNS, EXPORT_COLUMNS.map((c) => t(c.key)));
  const styles = xlsxCellStyles(EXPORT_COLUMNS);
  const clientIds = Array.from({ length: CLIENTS }, (_, i) => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, "0")}`);
  for (let r = 0; r < LINES; r++) {
    const g = Math.floor(r / LINES_PER_INVOICE);
    const l = (r % LINES_PER_INVOICE) + 1;
    const first = l === 1;
    const day = 45_689 + (g % 500);
    appendXlsxRow(
      sheet,
      [
        `Client ${String(g % CLIENTS).padStart(2, "0")} AG`,
        clientIds[g % CLIENTS],
        g % 2 === 0 ? "Client" : "Partner",
        `2090-${String(g + 1).padStart(6, "0")}`,
        day,
        "CHF",
        "paid",
        l,
        `Web hosting Business bench-${g}-${l}.ch, renewal`,
        day,
        day + 365,
        1,
        199,
        19.9,
        179.1,
        first ? 1791 : null,
        first ? 145.07 : null,
        first ? 1936.07 : null,
        first ? 1936.07 : null,
        first ? 0 : null,
        first && g % 2 === 0 ? 0.15 : null,
        first && g % 2 === 0 ? 268.65 : null,
      ],
      styles,
    );
    if (r % 5000 === 4999) await xlsxBackpressure(sheet, out);
  }
  sheet.commit();
  await workbook.commit();
  const seconds = (performance.now() - start) / 1000;
  return { rows: LINES, seconds, ...memory(), fileMb: (await stat(path)).size / 1024 / 1024 };
}

/** The real path: the domain call the page makes, BullMQ, the worker, Postgres under row-level security. */
async function childJob(dir: string, partnerOrgId: string, rep: { id: string; email: string }): Promise<Figures> {
  process.env.EXPORTS_DIR = dir;
  const { loadUserActor } = await import("../app/auth/actor.server");
  const { defineAbilityFor } = await import("../app/auth/ability");
  const { setJobSink } = await import("../app/jobs.server");
  const { requestClientExport, exportFilePath } = await import("../app/domain/clients/exports.server");
  const { startBullWorkers } = await import("../workers/bullmq");
  const db = await createDb({ databaseUrl: benchDatabaseUrl(DB_NAME), role: APP_ROLE, poolSize: 4 });
  const workers = await startBullWorkers(db, { redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", prefix: `bench-export-${process.pid}`, concurrency: 1 });
  setJobSink(workers.sink);
  try {
    const actor = await loadUserActor(db, rep);
    const memory = measureMemory();
    const start = performance.now();
    const { id } = await requestClientExport(db, { actor, ability: defineAbilityFor(actor) }, partnerOrgId, { format: "xlsx", periodFrom: null, periodTo: null, clientOrgId: null }, "en");
    const jobId = `client-export-${id}`;
    for (;;) {
      const state = await workers.sink.queue.getJobState(jobId);
      if (state === "completed") break;
      if (state === "failed") throw new Error(`export failed: ${(await workers.sink.queue.getJob(jobId))?.failedReason}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - start) / 1000;
    const job = await workers.sink.queue.getJob(jobId);
    const result = job?.returnvalue as { rows: number };
    return { rows: result.rows, seconds, ...memory(), fileMb: (await stat(exportFilePath(id, "xlsx"))).size / 1024 / 1024 };
  } finally {
    await workers.worker.close();
    await workers.sink.queue.obliterate({ force: true });
    await workers.close();
    await db.destroy();
  }
}

/** The node flags `npm run workers` starts the worker process with (the job side runs as the worker does). */
function workerNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { scripts: Record<string, string> }).scripts;
  return scripts.workers.match(/--max-old-space-size=\d+/g) ?? [];
}

function runChild(args: string[], nodeFlags: string[] = []): Promise<Figures> {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", self, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("FIGURES "));
      if (code !== 0 || !line) return reject(new Error(`bench child ${args[0]} exited with ${code}:\n${output}`));
      resolve(JSON.parse(line.slice("FIGURES ".length)) as Figures);
    });
  });
}

export async function benchExportXlsx(): Promise<void> {
  const seedStart = performance.now();
  const seeded = await seed();
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const dir = await mkdtemp(join(tmpdir(), "portal-bench-exports-"));
  try {
    const baseline = await runChild(["--child=baseline", dir]);
    const job = await runChild(["--child=job", dir, seeded.partnerOrgId, seeded.rep.id, seeded.rep.email], workerNodeFlags());
    const rate = (f: Figures) => f.rows / f.seconds;
    const line = (label: string, f: Figures) =>
      `${label.padEnd(48)} ${f.seconds.toFixed(1).padStart(6)} s  ${rate(f).toFixed(0).padStart(7)} rows/s  peak ${f.peakMb.toFixed(0).padStart(4)} MB (sampled ${f.sampledPeakMb.toFixed(0)} MB)  file ${f.fileMb.toFixed(1)} MB`;
    console.log(`\nClient export (C-6), ${LINES.toLocaleString("en")} invoice lines of ${CLIENTS} clients to XLSX`);
    console.log(`seeded in ${seedSeconds.toFixed(1)} s`);
    console.log(line("baseline: ExcelJS streaming writer, no database", baseline));
    console.log(line("export job: page → BullMQ → Postgres → ExcelJS", job));
    const ratio = rate(job) / rate(baseline);
    console.log(`rows/s vs baseline: ${ratio.toFixed(2)} (target ≥ 0.80: ${ratio >= 0.8 ? "met" : "NOT met"}); peak memory ${job.peakMb.toFixed(0)} MB (target < 300 MB: ${job.peakMb < 300 ? "met" : "NOT met"}); rows written ${job.rows.toLocaleString("en")}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const childArg = process.argv.find((a) => a.startsWith("--child="));
if (childArg) {
  const [, , , dir, partnerOrgId, repId, repEmail] = process.argv;
  const figures = childArg === "--child=baseline" ? await childBaseline(dir) : await childJob(dir, partnerOrgId, { id: repId, email: repEmail });
  console.log(`FIGURES ${JSON.stringify(figures)}`);
  process.exit(0);
} else if (process.argv[1] === self) {
  await benchExportXlsx();
  process.exit(0);
}
