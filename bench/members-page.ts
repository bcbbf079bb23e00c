import { pathToFileURL } from "node:url";
import { load, row, startProcess, type LoadResult } from "./lib";
import { seedMembersOrg } from "./setup-db";

/**
 * The members page of an organization with 1,000 members, signed in, under 20 concurrent
 * connections, beside a bare node:http server answering the same query as JSON.
 */
export async function benchMembersPage(): Promise<void> {
  const seeded = await seedMembersOrg(1000);
  const env = { DATABASE_URL: seeded.databaseUrl, NODE_ENV: "production", INSECURE_COOKIES: "1", SESSION_SECRET: "bench-secret", REDIS_URL: undefined, PORT: "0" };
  const path = `/orgs/${seeded.orgId}/members?page=2`;

  const measurePortal = async (extraEnv: Record<string, string>) => {
    const portal = await startProcess("server.ts", { ...env, ...extraEnv });
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
      if (check.status !== 200 || !(await check.text()).includes("Member 0051")) throw new Error(`members page answered ${check.status}`);
      return await load(`${portal.url}${path}`, { headers: { Cookie: cookie, "Accept-Language": "de-CH" } });
    } finally {
      await portal.stop();
    }
  };

  const measureBare = async () => {
    const bare = await startProcess("bench/bare-members-server.ts", { ...env, ORG_ID: seeded.orgId, USER_EMAIL: seeded.email });
    try {
      return await load(`${bare.url}/?page=2`);
    } finally {
      await bare.stop();
    }
  };
  // Bare, on and off alternate (bare, on, off, bare, on, off) and the better run of each counts,
  // so that a drift of the noisy 2-core machine does not land on one side only.
  const bare: LoadResult[] = [];
  const on: LoadResult[] = [];
  const off: LoadResult[] = [];
  for (let round = 0; round < 2; round++) {
    bare.push(await measureBare());
    on.push(await measurePortal({}));
    off.push(await measurePortal({ BENCH_BYPASS_ROW_LEVEL_SECURITY: "1" }));
  }
  const best = (runs: LoadResult[]) => runs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  const baseline = best(bare);
  const withPolicies = best(on);
  const withoutPolicies = best(off);

  console.log("\nMembers page, 1,000 members, 20 connections");
  console.log(row("bare node:http, same query as JSON", baseline));
  console.log(row("portal page, row-level security on", withPolicies));
  console.log(row("portal page, row-level security bypassed", withoutPolicies));
  console.log(`ratio portal/bare:          ${(withPolicies.requestsPerSec / baseline.requestsPerSec).toFixed(2)} (target ≥ 0.50)`);
  console.log(`ratio policies on/off:      ${(withPolicies.requestsPerSec / withoutPolicies.requestsPerSec).toFixed(2)} (target ≥ 0.90)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchMembersPage();
  process.exit(0);
}
