import { Readable } from "node:stream";
import express from "express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { sql } from "kysely";
import { initDb } from "./app/db.server";
import { config } from "./app/config.server";
import { setJobSink } from "./app/jobs.server";
import { startInlineWorkers } from "./workers/inline";
import { createBullSink } from "./workers/bullmq";

// The portal's HTTP server: migrates the database, serves the Remix build and /healthz,
// and runs jobs in-process when there is no Redis.
export async function startServer(options: { port?: number; log?: boolean } = {}) {
  void config.sessionSecret; // fail at start-up, not at the first sign-in, when it is missing
  const db = await initDb();
  let stopJobs: () => unknown = () => undefined;
  if (process.env.REDIS_URL) {
    const sink = createBullSink({ redisUrl: process.env.REDIS_URL });
    setJobSink(sink);
    stopJobs = () => sink.close();
  } else {
    stopJobs = startInlineWorkers(db);
  }

  // @ts-ignore -- the build exists after `remix build`
  const build = (await import("./build/index.js")) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", process.env.TRUST_PROXY ? Number(process.env.TRUST_PROXY) || process.env.TRUST_PROXY : false);

  app.get("/healthz", async (_req, res) => {
    try {
      await sql`select 1 from kysely_migration limit 1`.execute(db);
      res.status(200).json({ status: "ok" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  app.use("/build", (_req, res) => void res.sendStatus(404));
  // Only the few top-level public files: a catch-all static handler would stat the disk on
  // every page request.
  app.get("/favicon.svg", (_req, res) => res.sendFile("favicon.svg", { root: "public", maxAge: "1d" }));
  // The JSON API straight to its router, from the same build (app/entry.server.tsx).
  const { handleApiRequest } = build.entry.module as unknown as { handleApiRequest: ApiHandler };
  app.all(["/api", "/api/*"], (req, res, next) => {
    handleApiRequest(toFetchRequest(req), req.params[0] ?? "", req.ip)
      .then(async (response) => {
        res.status(response.status);
        response.headers.forEach((value, key) => res.setHeader(key, value));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch(next);
  });
  app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV, getLoadContext: (req) => ({ ip: req.ip }) }));

  const port = options.port ?? Number(process.env.PORT || 3000);
  const server = await new Promise<import("node:http").Server>((resolve) => {
    const s = app.listen(port, () => resolve(s));
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  if (options.log !== false) console.log(`Partner Portal listening on http://localhost:${actualPort}`);
  return {
    port: actualPort,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopJobs();
      await db.destroy();
    },
  };
}

type ApiHandler = (request: Request, path: string, ip: string | undefined) => Promise<Response>;

function toFetchRequest(req: express.Request): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: hasBody ? "half" : undefined, // Node's fetch needs it for a streamed body
  } as RequestInit);
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const running = await startServer();
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
