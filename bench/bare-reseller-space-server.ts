import { createServer } from "node:http";
import { APP_ROLE, createDb } from "../db/client";
import { loadUserActor } from "../app/auth/actor.server";
import { defineAbilityFor } from "../app/auth/ability";
import { resellerSpace } from "../app/domain/partners/tiers.server";

// The baseline: a bare node:http server answering the reseller space's domain call as JSON,
// as the portal's role (the same queries, the same policies), without Remix and sessions.
const db = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 20, role: APP_ROLE });
const orgId = process.env.ORG_ID!;
const rep = await db.selectFrom("users").select(["id", "email"]).where("email", "=", process.env.USER_EMAIL!).executeTakeFirstOrThrow();
const actor = await loadUserActor(db, rep);
const ability = defineAbilityFor(actor);

const server = createServer(async (req, res) => {
  const page = Number(new URL(req.url ?? "/", "http://x").searchParams.get("page") ?? 1);
  const body = JSON.stringify(await resellerSpace(db, { actor, ability }, orgId, { page }));
  res.writeHead(200, { "Content-Type": "application/json" }).end(body);
});
server.listen(0, () => {
  const address = server.address();
  console.log(`listening on http://localhost:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => server.close(() => void db.destroy().then(() => process.exit(0))));
