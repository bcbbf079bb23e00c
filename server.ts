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
  // The router reads a light view of the request and answers JSON as text: no fetch Request
  // or Response is built and read back per call (a handler's own Response, a PDF, is copied).
  const { answerApiRequest } = build.entry.module as unknown as { answerApiRequest: ApiHandler };
  app.all(["/api", "/api/*"], (req, res, next) => {
    answerApiRequest(apiRequestOf(req), req.params[0] ?? "", req.ip)
      .then(async (reply) => {
        res.status(reply.status);
        if (reply instanceof Response) {
          reply.headers.forEach((value, key) => res.setHeader(key, value));
          res.end(Buffer.from(await reply.arrayBuffer()));
        } else {
          for (const [key, value] of Object.entries(reply.headers)) res.setHeader(key, value);
          res.end(reply.text);
        }
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

interface ApiRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}
type ApiHandler = (request: ApiRequest, path: string, ip: string | undefined) => Promise<Response | { status: number; headers: Record<string, string>; text: string }>;

function apiRequestOf(req: express.Request): ApiRequest {
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return {
    method: req.method,
    url: `${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`,
    // As fetch's Headers.get: names in any case, repeated values joined.
    headers: {
      get(name) {
        const value = req.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    body: hasBody ? req : null,
  };
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
