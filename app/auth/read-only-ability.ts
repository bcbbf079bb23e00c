import { createMongoAbility } from "@casl/ability";
import type { Action, AppAbility } from "./ability";

/**
 * the ability of a read-only API token. The user's rules keep only their reading part
 * (a `manage` grant becomes `read` with the same conditions); denials stay as they are. The
 * API refuses mutating methods of such a token before any domain code runs; this is the
 * second line, so that no domain function can change anything with it either.
 */
export function readOnlyAbility(ability: AppAbility): AppAbility {
  const rules = [];
  for (const rule of ability.rules) {
    if (rule.inverted) {
      rules.push(rule);
      continue;
    }
    const actions = (Array.isArray(rule.action) ? rule.action : [rule.action]) as Action[];
    if (actions.includes("read") || actions.includes("manage")) rules.push({ ...rule, action: "read" as const });
  }
  return createMongoAbility(rules) as AppAbility;
}
