import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../db/seed";

// The README's first command on the embedded default: PGlite, jobs in-process, no Redis,
// no SMTP; row-level security on as everywhere.
describe("the demo on the embedded default (PGlite)", () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;
  let output = "";

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portal-demo-"));
    child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        SMTP_URL: undefined,
        PGLITE_DATA_DIR: join(dataDir, "pglite"),
        PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    url = await new Promise<string>((resolve, reject) => {
      // Migrating and seeding PGlite takes up to a minute on the shared machine under the full suite.
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 140_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = output.match(/running at (http:\/\/localhost:\d+)/);
        if (m && output.includes("provider.example")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
      child.once("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
  }, 150_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints the demo logins, and a demo login reaches its organization and only its own members", async () => {
    expect(output).toContain("anna.meier@alpineweb.ch");
    expect(output).toContain(DEMO_PASSWORD);
    const signIn = await fetch(`${url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en" },
      body: new URLSearchParams({ email: "anna.meier@alpineweb.ch", password: DEMO_PASSWORD }),
    });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const home = await fetch(`${url}/`, { redirect: "manual", headers: { Cookie: cookie } });
    const orgPath = home.headers.get("location")!;
    expect(orgPath).toMatch(/^\/orgs\/[0-9a-f-]+$/);
    const members = await fetch(`${url}${orgPath}/members`, { headers: { Cookie: cookie, "Accept-Language": "en" } });
    const html = await members.text();
    expect(members.status).toBe(200);
    expect(html).toContain("Marco Rossi");
    expect(html).toContain("Lea Keller");
    expect(html).not.toContain("Julien Favre"); // a member of the other demo organization only
    const staff = await fetch(`${url}/backoffice/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "admin@provider.example", password: DEMO_PASSWORD }),
    });
    expect(staff.status).toBe(302);
  });

  it("A-1: prints a demo API token of Alpine Web's legal representative that the API accepts", async () => {
    const line = output.split("\n").find((l) => l.startsWith("demo api token: "));
    expect(line).toBeDefined();
    const token = line!.slice("demo api token: ".length).trim();
    const profile = await fetch(`${url}/api/1/profile`, { headers: { Authorization: `Bearer ${token}` } });
    expect(profile.status).toBe(200);
    expect((await profile.json()).data.email).toBe("anna.meier@alpineweb.ch");
    const orgs = await fetch(`${url}/api/organizations`, { headers: { Authorization: `Bearer ${token}` } });
    const names = (await orgs.json()).data.map((o: { name: string }) => o.name);
    expect(names).toContain("Alpine Web GmbH");
  });
});
