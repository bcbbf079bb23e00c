import { createServer } from "node:http";
import { APP_ROLE, createDb } from "../db/client";
import { withActor } from "../app/domain/tx.server";
import { loadUserActor } from "../app/auth/actor.server";
import { defineAbilityFor } from "../app/auth/ability";
import { visibleProducts } from "../app/domain/products/queries.server";

// The baseline of the API products list: a bare node:http server answering the same query
// (`visibleProducts`, 50 a page) as JSON, as the portal's role in the organization's
// transaction (the same query, the same policies), with no token, router or envelope.
const db = await createDb({ databaseUrl: process.env.DATABASE_URL, poolSize: 20, role: APP_ROLE });
const orgId = process.env.ORG_ID!;
const rep = await db.selectFrom("users").select(["id", "email"]).where("email", "=", process.env.USER_EMAIL!).executeTakeFirstOrThrow();
const actor = await loadUserActor(db, rep);
if (actor.kind !== "user") throw new Error("the bench user is not a user actor");
const acting = { actor, ability: defineAbilityFor(actor) };

const server = createServer(async (req, res) => {
  const page = Number(new URL(req.url ?? "/", "http://x").searchParams.get("page") ?? 1);
  const body = JSON.stringify(await withActor(db, actor, (trx) => visibleProducts(trx, acting, orgId, { page, perPage: 50 })));
  res.writeHead(200, { "Content-Type": "application/json" }).end(body);
});
server.listen(0, () => {
  const address = server.address();
  console.log(`listening on http://localhost:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => server.close(() => void db.destroy().then(() => process.exit(0))));
