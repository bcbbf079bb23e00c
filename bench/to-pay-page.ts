import { pathToFileURL } from "node:url";
import { load, row, startProcess, type LoadResult } from "./lib";
import { seedToPayOrg } from "./setup-db";

/**
 * The "to pay" page (all products) of an organization with 5,000 products, signed in as its
 * representative, under 20 concurrent connections, beside a bare node:http server answering
 * the same domain query (listToPay) as JSON.
 */
export async function benchToPayPage(): Promise<void> {
  const seeded = await seedToPayOrg(5000);
  const env = { DATABASE_URL: seeded.databaseUrl, NODE_ENV: "production", INSECURE_COOKIES: "1", SESSION_SECRET: "bench-secret", REDIS_URL: undefined, PORT: "0" };
  const path = `/orgs/${seeded.orgId}/billing/to-pay?scope=all`;

  const measureBare = async () => {
    const bare = await startProcess("bench/bare-to-pay-server.ts", { ...env, ORG_ID: seeded.orgId, USER_EMAIL: seeded.email });
    try {
      const check = await fetch(`${bare.url}/?scope=all`);
      const body = (await check.json()) as { total: number; lines: unknown[] };
      if (body.total !== 5000 || body.lines.length !== 50) throw new Error(`bare to-pay answered ${body.total} products, ${body.lines.length} lines`);
      return await load(`${bare.url}/?scope=all`);
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
      const html = await check.text();
      if (check.status !== 200 || !html.includes("bench-")) throw new Error(`to-pay page answered ${check.status}`);
      return await load(`${portal.url}${path}`, { headers: { Cookie: cookie, "Accept-Language": "de-CH" } });
    } finally {
      await portal.stop();
    }
  };
  // Alternating (bare, page, bare, page), the better run of each counts: a drift of the noisy
  // 2-core machine does not land on one side only.
  const bare: LoadResult[] = [];
  const pages: LoadResult[] = [];
  for (let round = 0; round < 2; round++) {
    bare.push(await measureBare());
    pages.push(await measurePortal());
  }
  const best = (runs: LoadResult[]) => runs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  const baseline = best(bare);
  const page = best(pages);

  console.log("\n\"To pay\" page (scope=all), 5,000 products, 20 connections");
  console.log(row("bare node:http, listToPay as JSON", baseline));
  console.log(row("portal page, row-level security on", page));
  console.log(`ratio portal/bare:          ${(page.requestsPerSec / baseline.requestsPerSec).toFixed(2)} (target ≥ 0.50)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchToPayPage();
  process.exit(0);
}
