import { now } from "../../lib/clock";
import { asJob } from "../jobs/as-job.server";
import type { Handle } from "../tx.server";

// P-1/P-3: an active website. The check requests the site over HTTPS, follows redirects and
// gives up after a timeout; plain http is accepted for the loopback address only in tests
// (or when PARTNER_WEBSITE_ALLOW_LOCAL_HTTP=1), so tests never reach the internet.

function allowsLocalHttp(): boolean {
  return process.env.NODE_ENV === "test" || process.env.PARTNER_WEBSITE_ALLOW_LOCAL_HTTP === "1";
}

/** The website address as stored, or null if it may not be checked. */
export function normalizeWebsite(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === "https:" && url.hostname.includes(".")) return url.toString();
  if (url.protocol === "http:" && url.hostname === "127.0.0.1" && allowsLocalHttp()) return url.toString();
  return null;
}

function timeoutMs(): number {
  const configured = Number(process.env.PARTNER_WEBSITE_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : 5000;
}

/** Requests the site: its final HTTP status, or null if it could not be reached in time. */
async function requestSite(url: string): Promise<number | null> {
  try {
    const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutMs()), headers: { "user-agent": "PartnerPortal-website-check" } });
    await res.body?.cancel();
    // A redirect may not leave HTTPS (or the allowed loopback address).
    if (normalizeWebsite(res.url || url) === null) return null;
    return res.status;
  } catch {
    return null;
  }
}

/** Checks the website of one application and records status and time; an unknown or decided application is left alone. */
export async function checkApplicationWebsite(db: Handle, applicationId: string): Promise<{ status: "active" | "inactive" } | null> {
  const app = await asJob(db, "partner-website", (trx) =>
    trx.selectFrom("partner_applications").select(["id", "website_url"]).where("id", "=", applicationId).where("status", "=", "submitted").executeTakeFirst(),
  );
  if (!app) return null;
  const url = normalizeWebsite(app.website_url);
  const httpStatus = url ? await requestSite(url) : null;
  const status = httpStatus !== null && httpStatus >= 200 && httpStatus < 300 ? "active" : "inactive";
  await asJob(db, "partner-website", (trx) =>
    trx
      .updateTable("partner_applications")
      .set({ website_status: status, website_http_status: httpStatus, website_checked_at: now() })
      .where("id", "=", applicationId)
      .execute(),
  );
  return { status };
}
