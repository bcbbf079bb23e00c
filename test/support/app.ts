import { createRequestHandler, type ServerBuild } from "@remix-run/node";

// The built portal (`remix build` output), answering Requests in-process: every test goes
// through the real route modules, loaders and actions, against the test's real database.
type Handler = (request: Request, context?: Record<string, unknown>) => Promise<Response>;
let handler: Handler | undefined;

async function getHandler(): Promise<Handler> {
  if (!handler) {
    // @ts-ignore -- produced by `remix build`
    const build = (await import("../../build/index.js")) as ServerBuild;
    const created: Handler = createRequestHandler(build, "production");
    handler = created;
    return created;
  }
  return handler;
}

export const BASE = "http://portal.test";

export interface Page {
  status: number;
  location: string | null;
  html: string;
  response: Response;
}

/** A browser-like client with its own cookie jar and IP address. */
export class Client {
  private cookies = new Map<string, string>();
  constructor(public ip = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", "en");
    const response = await (await getHandler())(new Request(new URL(path, BASE), { ...init, headers, redirect: "manual" }), {
      ip: this.ip,
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair, ...attrs] = setCookie.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await response.text();
    return { status: response.status, location: response.headers.get("Location"), html, response };
  }

  /** A GET whose body is kept as bytes (downloads such as PDFs). */
  async download(path: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const headers = new Headers({ "Accept-Language": "en" });
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    const response = await (await getHandler())(new Request(new URL(path, BASE), { headers, redirect: "manual" }), { ip: this.ip });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  get(path: string, headers?: HeadersInit): Promise<Page> {
    return this.request(path, { headers });
  }

  /** Posts a form the way a browser without JavaScript does. */
  post(path: string, form: Record<string, string | string[]>, headers?: HeadersInit): Promise<Page> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return this.request(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers } });
  }

  /** Follows redirects (GET) up to 5 times. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 5 && current.location && current.status >= 300 && current.status < 400; i++) {
      current = await this.get(new URL(current.location, BASE).pathname + new URL(current.location, BASE).search);
    }
    return current;
  }
}

/** The page's visible text, tags removed and white space folded: for content assertions. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ")
    .trim();
}
