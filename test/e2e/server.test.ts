import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortalProcess, type RunningServer } from "../support/server";
import { uniqueEmail } from "../support/factories";

describe("the built server over HTTP", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startPortalProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers /healthz with 200 once the database is migrated", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("O-1: a visitor signs up over HTTP and lands in the organization created in their name", async () => {
    const email = uniqueEmail("http");
    const res = await fetch(`${server.url}/signup`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "de-CH,de;q=0.9" },
      body: new URLSearchParams({ name: "Beat Zürcher", email, password: "ein-langes-passwort" }),
    });
    expect(res.status).toBe(302);
    const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const page = await fetch(new URL(res.headers.get("location")!, server.url), { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('lang="de"');
    expect(html).toContain("Beat Zürcher");
    expect(html).toContain("Gesetzlicher Vertreter");
  });

  it("sends security headers and refuses unknown pages with 404", async () => {
    const res = await fetch(`${server.url}/does-not-exist`);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});
