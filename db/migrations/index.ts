import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0010 from "./0010_row_level_security";
import * as m0011 from "./0011_session_actor";
import * as m0012 from "./0012_catalog_and_renewals";
import * as m0013 from "./0013_orders_payments_invoices";
import * as m0014 from "./0014_renewal_sweep";
import * as m0015 from "./0015_auto_renewal_charge";
import * as m0016 from "./0016_bank_transfers";
import * as m0017 from "./0017_withdrawals_and_new_products";
import * as m0018 from "./0018_credit_notes";
import * as m0019 from "./0019_partner_program";
import * as m0020 from "./0020_partner_tiers";
import * as m0021 from "./0021_affiliate_referrals";
import * as m0022 from "./0022_delegation_access";
import * as m0023 from "./0023_partner_benefits";
import * as m0024 from "./0024_client_delegation";
import * as m0025 from "./0025_client_exports";
import * as m0026 from "./0026_tenders_directory";
import * as m0027 from "./0027_two_factor";
import * as m0028 from "./0028_support_identity";
import * as m0029 from "./0029_api_tokens";
import * as m0030 from "./0030_api_token_delegations";
import * as m0031 from "./0031_two_factor_identity";
import * as m0032 from "./0032_partner_reinvoices";
import * as m0033 from "./0033_client_creation";
import * as m0034 from "./0034_client_export_scope";
import * as m0035 from "./0035_delegation_lookup";
import * as m0036 from "./0036_partner_space_reads";

// Every migration, in order. Listed by hand so they load the same under tsx, Vitest and
// the built server (Kysely's FileMigrationProvider cannot import .ts files under Vitest).
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0010_row_level_security": m0010,
  "0011_session_actor": m0011,
  "0012_catalog_and_renewals": m0012,
  "0013_orders_payments_invoices": m0013,
  "0014_renewal_sweep": m0014,
  "0015_auto_renewal_charge": m0015,
  "0016_bank_transfers": m0016,
  "0017_withdrawals_and_new_products": m0017,
  "0018_credit_notes": m0018,
  "0019_partner_program": m0019,
  "0020_partner_tiers": m0020,
  "0021_affiliate_referrals": m0021,
  "0022_delegation_access": m0022,
  "0023_partner_benefits": m0023,
  "0024_client_delegation": m0024,
  "0025_client_exports": m0025,
  "0026_tenders_directory": m0026,
  "0027_two_factor": m0027,
  "0028_support_identity": m0028,
  "0029_api_tokens": m0029,
  "0030_api_token_delegations": m0030,
  "0031_two_factor_identity": m0031,
  "0032_partner_reinvoices": m0032,
  "0033_client_creation": m0033,
  "0034_client_export_scope": m0034,
  "0035_delegation_lookup": m0035,
  "0036_partner_space_reads": m0036,
};
