import { common } from "./common";
import { auth } from "./auth";
import { members } from "./members";
import { orgadmin } from "./orgadmin";
import { account } from "./account";
import { backoffice } from "./backoffice";
import { products } from "./products";
import { billing } from "./billing";
import { transfers } from "./transfers";
import { shop } from "./shop";
import { creditNotes } from "./creditNotes";
import { partners } from "./partners";
import { partnerBenefits } from "./partnerBenefits";
import { apiTokens } from "./apiTokens";
import { clients } from "./clients";
import { clientExports } from "./clientExports";
import { tenders } from "./tenders";
import { twoFactor } from "./twoFactor";
import { support } from "./support";
import { clientCreations } from "./clientCreations";
import { reinvoices } from "./reinvoices";
import { lostFactor } from "./lostFactor";

// Each area keeps its messages in its own file; they are merged here (one line per area).
const areas = [
  common,
  auth,
  members,
  orgadmin,
  account,
  backoffice,
  products,
  billing,
  shop,
  transfers,
  creditNotes,
  partners,
  partnerBenefits,
  apiTokens,
  clients,
  clientExports,
  tenders,
  twoFactor,
  support,
  clientCreations,
  reinvoices,
  lostFactor,
] as const;

type Merge<T extends readonly { en: object }[]> = T extends readonly [infer H extends { en: object }, ...infer R extends { en: object }[]]
  ? H["en"] & Merge<R>
  : unknown;
type All = Merge<typeof areas>;

function merge(lang: "en" | "de" | "fr"): All {
  return Object.assign({}, ...areas.map((a) => a[lang])) as All;
}

export const catalogs = { en: merge("en"), de: merge("de"), fr: merge("fr") };
