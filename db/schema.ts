import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

// The one source of table types. Keep it in step with db/migrations.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | T | undefined, string | T>;

export type MemberRole = "admin" | "restricted";
export type PermissionLevel = "read" | "manage";
export type ProductType = "domain" | "hosting" | "mail" | "storage" | "chat";
export type StaffRole = "support_agent" | "billing_agent" | "partner_manager" | "administrator";
export type Locale = "de" | "fr" | "en" | "it";
export type Currency = "CHF" | "EUR";

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  locale: ColumnType<Locale, Locale | undefined, Locale>;
  last_org_id: string | null;
  created_at: CreatedAt;
  password_changed_at: Timestamp;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  legal_form: string | null;
  street: string | null;
  postal_code: string | null;
  city: string | null;
  country: ColumnType<string, string | undefined, string>;
  registry_id: string | null;
  currency: ColumnType<Currency, Currency | undefined, Currency>;
  /** EU VAT id: with it, an EU organization's invoices are reverse charge (migration 0013). */
  vat_id: ColumnType<string | null, string | null | undefined, string | null>;
  legal_rep_user_id: string;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: MemberRole;
  created_at: CreatedAt;
}

export interface TeamsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  created_at: CreatedAt;
}

export interface TeamMembersTable {
  org_id: string;
  team_id: string;
  user_id: string;
}

export interface ProductsTable {
  id: Generated<string>;
  org_id: string;
  type: ProductType;
  name: string;
  created_at: CreatedAt;
  product_type_code: string | null;
  expires_at: Timestamp | null;
  auto_renew: ColumnType<boolean, boolean | undefined, boolean>;
  auto_renew_method: AutoRenewMethod | null;
  renewal_months: number | null;
  /** B-2: the saved card or Twint profile auto-renewal charges (migration 0013). */
  auto_renew_payment_method_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Payment methods that can charge an auto-renewal without the customer (B-2, B-3). */
export type AutoRenewMethod = "visa" | "mastercard" | "cb" | "twint";
export type BillingPeriod = "year" | "month";

/** The product catalog (global, read-only for the portal; seeded by migration 0012). */
export interface ProductTypesTable {
  code: string;
  kind: ProductType;
  name: string;
  billing_period: BillingPeriod;
  price_chf: ColumnType<number, number, number>;
  price_eur: ColumnType<number, number, number>;
  /** B-13: the renewal periods allowed, in months. */
  renewal_months: number[];
  sort_order: ColumnType<number, number | undefined, number>;
}

/** Volume prices per billing period from `min_quantity` units on (web hosting). */
export interface ProductTypePriceTiersTable {
  type_code: string;
  min_quantity: number;
  price_chf: number;
  price_eur: number;
}

/**
 * B-4: one charge attempt of an auto-renewal, recorded by the daily sweep (migration 0014).
 * `charging`: the saved method was charged, its webhook is awaited; `skipped`: nothing to charge (migration 0015).
 */
export type RenewalAttemptStatus = "queued" | "charging" | "succeeded" | "failed" | "skipped";
export interface RenewalAttemptsTable {
  id: Generated<string>;
  org_id: string;
  product_id: string;
  /** The expiry this attempt renews: the period's key. */
  period_expires_at: Timestamp;
  /** The calendar day (Zurich) of the attempt, written `YYYY-MM-DD`; read it as `attempt_day::text` (pg makes a date a local-midnight Date). */
  attempt_day: ColumnType<Date, string, string>;
  status: ColumnType<RenewalAttemptStatus, RenewalAttemptStatus | undefined, RenewalAttemptStatus>;
  created_at: CreatedAt;
  /** The renewal order this attempt opened (migration 0015). */
  order_id: ColumnType<string | null, string | null | undefined, string | null>;
  failure_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ProductPermissionsTable {
  id: Generated<string>;
  org_id: string;
  product_id: string;
  user_id: string | null;
  team_id: string | null;
  level: PermissionLevel;
}

export interface MailboxesTable {
  id: Generated<string>;
  org_id: string;
  product_id: string;
  address: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface MailboxWebmailUsersTable {
  org_id: string;
  mailbox_id: string;
  user_id: string;
}

export interface InvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  role: MemberRole;
  permissions: Json<Record<string, PermissionLevel>>;
  team_ids: Json<string[]>;
  token_hash: string;
  invited_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface LegalRepTransfersTable {
  id: Generated<string>;
  org_id: string;
  from_user_id: string;
  to_user_id: string;
  state: ColumnType<
    "pending" | "accepted" | "declined" | "cancelled",
    "pending" | undefined,
    "accepted" | "declined" | "cancelled"
  >;
  created_at: CreatedAt;
  decided_at: Timestamp | null;
}

export interface StaffAccountsTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  role: StaffRole;
  created_at: CreatedAt;
  disabled_at: Timestamp | null;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string | null;
  staff_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  user_agent: string | null;
  ip: string | null;
  /** When the session passed a second factor (S-3); null for accounts without 2FA. */
  two_factor_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface PasswordResetTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  org_id: string | null;
  actor_user_id: string | null;
  actor_staff_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Json<Record<string, unknown>>;
  ip: string | null;
  created_at: CreatedAt;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  org_id: string | null;
  to_address: string;
  subject: string;
  body_text: string;
  kind: string;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

// Orders, payments, the prepaid account and invoices (migration 0013, B-2 … B-12).
export type OrderKind = "new" | "renewal" | "topup";
export type OrderStatus = "pending" | "paid" | "cancelled";
export type InvoiceLanguage = "de" | "fr" | "en";
export type PaymentMethod = "visa" | "mastercard" | "cb" | "postfinance" | "paypal" | "twint" | "prepaid" | "iban";
export type PaymentStatus = "pending" | "succeeded" | "failed" | "refunded";
export type PrepaidEntryKind = "topup" | "payment" | "refund" | "withdrawal" | "withdrawal_returned" | "credit_note" | "cashback";

export interface VatRatesTable {
  country: string;
  valid_from: ColumnType<Date, Date | string, Date | string>;
  rate_bp: number;
  reverse_charge_with_vat_id: boolean;
}

export interface OrdersTable {
  id: Generated<string>;
  org_id: string;
  kind: OrderKind;
  status: ColumnType<OrderStatus, OrderStatus | undefined, OrderStatus>;
  currency: Currency;
  language: InvoiceLanguage;
  net_amount: number;
  vat_rate_bp: ColumnType<number, number | undefined, number>;
  vat_amount: ColumnType<number, number | undefined, number>;
  total_amount: number;
  reverse_charge: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: CreatedAt;
  paid_at: Timestamp | null;
  /** P-9/C-5 (migration 0023): the client whose products a partner's order pays for. */
  client_org_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OrderLinesTable {
  id: Generated<string>;
  org_id: string;
  order_id: string;
  position: number;
  product_id: string | null;
  product_type_code: string | null;
  description: string;
  months: number | null;
  unit_amount: number;
  quantity: ColumnType<number, number | undefined, number>;
  discount_amount: ColumnType<number, number | undefined, number>;
  net_amount: number;
  /** Migration 0017: the product a paid `new` order creates. */
  new_product_name: string | null;
}

export interface SavedPaymentMethodsTable {
  id: Generated<string>;
  org_id: string;
  method: AutoRenewMethod;
  gateway_token: string;
  label: string;
  created_at: CreatedAt;
}

export interface PaymentsTable {
  id: Generated<string>;
  org_id: string;
  order_id: string;
  method: PaymentMethod;
  amount: number;
  currency: Currency;
  status: ColumnType<PaymentStatus, PaymentStatus | undefined, PaymentStatus>;
  idempotency_key: string;
  gateway_reference: string | null;
  failure_reason: string | null;
  created_at: CreatedAt;
  settled_at: Timestamp | null;
  /** B-14: the card's issuing country as the gateway reports it (migration 0028). */
  country: Generated<string | null>;
}

export interface PaymentWebhookEventsTable {
  event_id: string;
  org_id: string;
  payment_id: string | null;
  type: string;
  received_at: CreatedAt;
}

export interface PrepaidAccountsTable {
  org_id: string;
  currency: Currency;
  balance: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

export interface PrepaidEntriesTable {
  id: Generated<string>;
  org_id: string;
  kind: PrepaidEntryKind;
  amount: number;
  payment_id: string | null;
  order_id: string | null;
  created_at: Timestamp;
  withdrawal_id: string | null;
  credit_note_id: ColumnType<string | null, string | null | undefined, string | null>;
}

// Prepaid withdrawals (migration 0017, B-10).
export type WithdrawalStatus = "requested" | "completed" | "rejected";
export type WithdrawalDestination = "iban" | "paypal";

export interface PrepaidWithdrawalsTable {
  id: Generated<string>;
  org_id: string;
  amount: number;
  currency: Currency;
  destination_kind: WithdrawalDestination;
  destination: string;
  status: ColumnType<WithdrawalStatus, WithdrawalStatus | undefined, WithdrawalStatus>;
  requested_by: string | null;
  requested_at: CreatedAt;
  decided_by: string | null;
  decided_at: Timestamp | null;
}

// Paying by IBAN transfer (migration 0016, B-6, B-8, B-10).
export interface ProformasTable {
  id: Generated<string>;
  org_id: string;
  order_id: string;
  number: string;
  reference: string;
  creditor_iban: string;
  currency: Currency;
  amount: number;
  language: InvoiceLanguage;
  bill_to: ColumnType<BillTo, string, string>;
  issued_at: Timestamp;
}

export type BankTransferStatus = "matched" | "held";
export type BankTransferHoldReason = "unknown_reference" | "amount_mismatch" | "currency_mismatch" | "order_not_pending";

export interface BankTransfersTable {
  id: Generated<string>;
  entry_reference: string;
  source: "camt054" | "manual";
  file_name: string | null;
  reference: string | null;
  amount: number;
  currency: Currency;
  debtor_name: string | null;
  /** The booking day `YYYY-MM-DD` the bank reported. */
  booked_on: string | null;
  status: BankTransferStatus;
  hold_reason: BankTransferHoldReason | null;
  org_id: string | null;
  order_id: string | null;
  payment_id: string | null;
  received_at: Timestamp;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
}

export interface InvoiceCountersTable {
  year: number;
  last_number: number;
}

/** What the invoice says about its customer at the time it was issued. */
export interface BillTo {
  name: string;
  street: string | null;
  postalCode: string | null;
  city: string | null;
  country: string;
  vatId: string | null;
}

export interface InvoicesTable {
  id: Generated<string>;
  org_id: string;
  order_id: string;
  number: string;
  year: number;
  sequence: number;
  issued_at: Timestamp;
  language: InvoiceLanguage;
  currency: Currency;
  net_amount: number;
  vat_rate_bp: number;
  vat_amount: number;
  total_amount: number;
  reverse_charge: ColumnType<boolean, boolean | undefined, boolean>;
  bill_to: Json<BillTo>;
  paid_by: ColumnType<Array<{ method: PaymentMethod; amount: number }>, string | undefined, string>;
  /** P-9/C-5: the client whose products a partner-paid invoice covers (org_id is the partner). */
  client_org_id: ColumnType<string | null, string | null | undefined, string | null>;
}

// P-9 (migration 0022): the partner's cashback on a client-paid invoice, one line per invoice.
export interface PartnerCashbackLinesTable {
  id: Generated<string>;
  org_id: string;
  client_org_id: string;
  invoice_id: string;
  /** First day of the month the cashback belongs to. */
  month: ColumnType<Date, string | Date, string | Date>;
  rate_bp: number;
  amount: number;
  currency: Currency;
  created_at: Timestamp;
  /** Migration 0023: the invoice lines the cashback came from. */
  details: ColumnType<CashbackLineDetail[], string | undefined, string>;
}

export interface CashbackLineDetail {
  /** The client invoice's number (the partner does not read the client's invoices). */
  invoice: string;
  position: number;
  description: string;
  kind: string | null;
  net: number;
  rateBp: number;
  amount: number;
}

export interface InvoiceLinesTable {
  id: Generated<string>;
  org_id: string;
  invoice_id: string;
  position: number;
  description: string;
  period_from: Timestamp | null;
  period_to: Timestamp | null;
  unit_amount: number;
  quantity: number;
  discount_amount: number;
  net_amount: number;
}

// Credit notes (migration 0018, B-9/B-11): immutable, numbered with the invoices.
export interface CreditNotesTable {
  id: Generated<string>;
  org_id: string;
  invoice_id: string;
  number: string;
  year: number;
  sequence: number;
  issued_at: Timestamp;
  issued_by: string | null;
  reason: string;
  language: InvoiceLanguage;
  currency: Currency;
  net_amount: number;
  vat_rate_bp: number;
  vat_amount: number;
  total_amount: number;
  reverse_charge: ColumnType<boolean, boolean | undefined, boolean>;
  bill_to: Json<BillTo>;
}

export interface CreditNoteLinesTable {
  id: Generated<string>;
  org_id: string;
  credit_note_id: string;
  invoice_line_id: string;
  position: number;
  description: string;
  period_from: Timestamp | null;
  period_to: Timestamp | null;
  unit_amount: number;
  quantity: number;
  discount_amount: number;
  net_amount: number;
}

// Issue 6: the partner program (migration 0019).
export type PartnerProgram = "partner" | "affiliate";
export type RegistryKind = "ch_uid" | "fr_siret" | "other";
export type PartnerApplicationStatus = "submitted" | "approved" | "rejected";
export type WebsiteStatus = "pending" | "active" | "inactive";

export interface PartnerTermsTable {
  version: number;
  text: string;
  published_at: Timestamp;
}

export interface ProgramMembershipsTable {
  org_id: string;
  program: PartnerProgram;
  status: Generated<"active" | "review">;
  referral_code: string | null;
  since: Timestamp;
}

// Issue 6, P-8: organizations referred by an affiliate (migration 0021); org_id is the affiliate.
export interface AffiliateReferralsTable {
  id: Generated<string>;
  org_id: string;
  referred_org_id: string;
  created_at: Timestamp;
}

// Issue 6, P-9: partner tiers and their rates per product kind (migration 0020).
export interface PartnerTiersTable {
  code: string;
  name: string;
  min_yearly_value_chf: number;
  min_yearly_value_eur: number;
  sort: number;
}

export interface PartnerTierRatesTable {
  tier_code: string;
  product_kind: ProductType;
  /** Basis points (3500 = 35 %), capped at 3500 by a check constraint. */
  rate_bp: number;
}

export interface PartnerApplicationsTable {
  id: Generated<string>;
  org_id: string;
  status: Generated<PartnerApplicationStatus>;
  registry_kind: RegistryKind;
  registry_country: string;
  registry_number: string;
  website_url: string;
  website_status: Generated<WebsiteStatus>;
  website_http_status: number | null;
  website_checked_at: Timestamp | null;
  commit_support: boolean;
  commit_invoices: boolean;
  commit_tenders: boolean;
  terms_version: number;
  terms_accepted_by: string | null;
  terms_accepted_at: Timestamp;
  value_amount: number;
  value_threshold: number;
  value_currency: Currency;
  submitted_by: string | null;
  submitted_at: Timestamp;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  rejection_reason: string | null;
}

export interface PartnerClientLinksTable {
  id: Generated<string>;
  org_id: string;
  client_org_id: string;
  state: Generated<"requested" | "active" | "declined" | "expired" | "ended">;
  payer: Generated<"client" | "partner">;
  access: Generated<"full" | "limited">;
  billing_access: Generated<boolean>;
  requested_by: string | null;
  answered_by: string | null;
  since: Timestamp;
  // Migration 0024 (issue 7, C-1 … C-7).
  requested_access: "full" | "limited" | null;
  requested_billing: Generated<boolean>;
  requested_at: Timestamp | null;
  ends_at: Timestamp | null;
  extension_requested_at: Timestamp | null;
  ended_at: Timestamp | null;
  ended_by: string | null;
  end_reason: "client" | "partner" | "end_date" | null;
}

// Migration 0024 (issue 7): limited access per product, staff rights, end-date warnings.
export interface PartnerLinkProductsTable {
  org_id: string;
  link_id: string;
  product_id: string;
  manage: boolean;
  stats: boolean;
}
export interface PartnerStaffRightsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string | null;
  team_id: string | null;
  client_org_id: string | null;
  granted_by: string | null;
  created_at: Timestamp;
}
export interface PartnerLinkWarningsTable {
  org_id: string;
  link_id: string;
  ends_at: Timestamp;
  days: number;
  sent_at: Timestamp;
}

// Issue 7, C-6: a partner's export of its clients' billing data (migration 0025); org_id is the partner.
export type ClientExportFormat = "xlsx" | "csv";
export type ClientExportStatus = "queued" | "running" | "done" | "failed" | "expired";
export interface ClientExportsTable {
  id: Generated<string>;
  org_id: string;
  requested_by: string | null;
  format: ClientExportFormat;
  language: InvoiceLanguage;
  /** Zurich calendar days `YYYY-MM-DD` (inclusive); read them as `period_from::text`. */
  period_from: string | null;
  period_to: string | null;
  client_org_id: string | null;
  /** The clients it covers, fixed at request (null = every client of the partner; 0034). */
  client_org_ids: string[] | null;
  /** Whether it includes the partner's own invoices for its clients (0034). */
  partner_invoices: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<ClientExportStatus, ClientExportStatus | undefined, ClientExportStatus>;
  progress: ColumnType<number, number | undefined, number>;
  rows_total: number | null;
  rows_written: ColumnType<number, number | undefined, number>;
  file_size: number | null;
  failure: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  expires_at: Timestamp | null;
}

// Issue 8: tenders (T-1, T-2, P-6) and the partner directory (T-3) (migration 0026).
export type TenderStatus = "unconfirmed" | "open" | "closed";
export type TenderClosedReason = "deadline" | "withdrawn" | "awarded";
export type ProposalStatus = "submitted" | "selected" | "declined";

export interface TendersTable {
  id: Generated<string>;
  /** The customer organization that posted it in the portal; null for a visitor's tender. */
  org_id: string | null;
  posted_by: string | null;
  title: string;
  description: string;
  categories: string[];
  budget_min: number;
  budget_max: number;
  currency: Currency;
  /** A canton (CH-ZH) or a country (DE). */
  region: string;
  language: Locale;
  deadline: Timestamp;
  contact_email: string;
  status: Generated<TenderStatus>;
  closed_reason: TenderClosedReason | null;
  /** The private link of a visitor's tender (sha-256 of the token); null for an organization's. */
  access_token_hash: string | null;
  created_at: Timestamp;
  published_at: Timestamp | null;
  closed_at: Timestamp | null;
}

export interface TenderProposalsTable {
  id: Generated<string>;
  tender_id: string;
  /** The partner organization. */
  org_id: string;
  submitted_by: string | null;
  partner_name: string;
  contact_email: string;
  body: string;
  price_min: number;
  price_max: number;
  currency: Currency;
  timeline: string;
  /** P-6: the partner had committed to use only the provider's products for tender contracts. */
  provider_products_only: boolean;
  status: Generated<ProposalStatus>;
  created_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface TenderAlertsTable {
  org_id: string;
  enabled: boolean;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  regions: ColumnType<string[], string[] | undefined, string[]>;
  email: string;
  /** The language of the digest mail. */
  locale: ColumnType<"de" | "fr" | "en", "de" | "fr" | "en" | undefined, "de" | "fr" | "en">;
  enabled_since: Timestamp | null;
  updated_at: Timestamp;
}

export interface TenderDigestsTable {
  org_id: string;
  /** A calendar day (Zurich); read it as `day::text`. */
  day: ColumnType<Date, string, string>;
  tender_ids: string[];
  sent_at: Timestamp;
}

export interface DirectoryListingsTable {
  org_id: string;
  slug: string;
  name: string;
  description: string;
  description_language: Locale;
  website: string | null;
  logo_url: string | null;
  languages: string[];
  regions: string[];
  specialties: string[];
  listed: ColumnType<boolean, boolean | undefined, boolean>;
  /** Kept by triggers from program_memberships; whatever is written here is replaced. */
  partner_status: ColumnType<"active" | "review" | null, never, never>;
  updated_at: Timestamp;
  visible: ColumnType<boolean, never, never>;
  search: ColumnType<string, never, never>;
}

/** The public directory (a read-only view of the visible listings). */
export interface DirectoryPublicView {
  org_id: string;
  slug: string;
  name: string;
  description: string;
  description_language: Locale;
  website: string | null;
  logo_url: string | null;
  languages: string[];
  regions: string[];
  specialties: string[];
  partner_status: "active" | "review" | null;
  search: string;
  updated_at: Date;
}

export interface DB {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  products: ProductsTable;
  product_types: ProductTypesTable;
  product_type_price_tiers: ProductTypePriceTiersTable;
  product_permissions: ProductPermissionsTable;
  renewal_attempts: RenewalAttemptsTable;
  mailboxes: MailboxesTable;
  mailbox_webmail_users: MailboxWebmailUsersTable;
  invitations: InvitationsTable;
  legal_rep_transfers: LegalRepTransfersTable;
  staff_accounts: StaffAccountsTable;
  sessions: SessionsTable;
  password_reset_tokens: PasswordResetTokensTable;
  audit_log: AuditLogTable;
  email_outbox: EmailOutboxTable;
  vat_rates: VatRatesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  saved_payment_methods: SavedPaymentMethodsTable;
  payments: PaymentsTable;
  payment_webhook_events: PaymentWebhookEventsTable;
  prepaid_accounts: PrepaidAccountsTable;
  prepaid_entries: PrepaidEntriesTable;
  prepaid_withdrawals: PrepaidWithdrawalsTable;
  proformas: ProformasTable;
  bank_transfers: BankTransfersTable;
  invoice_counters: InvoiceCountersTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  credit_notes: CreditNotesTable;
  partner_terms: PartnerTermsTable;
  program_memberships: ProgramMembershipsTable;
  partner_applications: PartnerApplicationsTable;
  partner_client_links: PartnerClientLinksTable;
  affiliate_referrals: AffiliateReferralsTable;
  partner_tiers: PartnerTiersTable;
  partner_tier_rates: PartnerTierRatesTable;
  credit_note_lines: CreditNoteLinesTable;
  partner_cashback_lines: PartnerCashbackLinesTable;
  partner_cashback_statements: PartnerCashbackStatementsTable;
  affiliate_commission_rate: AffiliateCommissionRateTable;
  affiliate_commissions: AffiliateCommissionsTable;
  partner_domain_prices: PartnerDomainPricesTable;
  partner_eligibility_checks: PartnerEligibilityChecksTable;
  api_tokens: ApiTokensTable;
  partner_link_products: PartnerLinkProductsTable;
  partner_staff_rights: PartnerStaffRightsTable;
  partner_link_warnings: PartnerLinkWarningsTable;
  client_exports: ClientExportsTable;
  tenders: TendersTable;
  tender_proposals: TenderProposalsTable;
  tender_alerts: TenderAlertsTable;
  tender_digests: TenderDigestsTable;
  directory_listings: DirectoryListingsTable;
  directory_public: DirectoryPublicView;
  two_factor_credentials: TwoFactorCredentialsTable;
  two_factor_recovery_codes: TwoFactorRecoveryCodesTable;
  two_factor_challenges: TwoFactorChallengesTable;
  support_requests: SupportRequestsTable;
  support_messages: SupportMessagesTable;
  support_attachments: SupportAttachmentsTable;
  support_grants: SupportGrantsTable;
  support_grant_uses: SupportGrantUsesTable;
  storage_folders: StorageFoldersTable;
  chat_discussions: ChatDiscussionsTable;
  identity_checks: IdentityChecksTable;
  order_blocks: OrderBlocksTable;
  client_creations: ClientCreationsTable;
  partner_reinvoice_counters: PartnerReinvoiceCountersTable;
  partner_reinvoices: PartnerReinvoicesTable;
  partner_reinvoice_lines: PartnerReinvoiceLinesTable;
}

// Migration 0023 (P-8, P-9, P-2 yearly).
export interface PartnerCashbackStatementsTable {
  id: Generated<string>;
  org_id: string;
  month: ColumnType<Date, string | Date, string | Date>;
  currency: Currency;
  amount: number;
  invoices: number;
  created_at: Timestamp;
}

export interface AffiliateCommissionRateTable {
  only_row: Generated<boolean>;
  rate_bp: number;
}

export interface AffiliateCommissionsTable {
  id: Generated<string>;
  org_id: string;
  referred_org_id: string;
  invoice_id: string;
  rate_bp: number;
  amount: number;
  currency: Currency;
  created_at: Timestamp;
}

export interface PartnerDomainPricesTable {
  tld: string;
  price_chf: number;
  price_eur: number;
  partner_price_chf: number;
  partner_price_eur: number;
  sort: number;
}

export interface PartnerEligibilityChecksTable {
  id: Generated<string>;
  org_id: string;
  year: number;
  value_amount: number;
  value_threshold: number;
  currency: Currency;
  below: boolean;
  checked_at: Timestamp;
}

// A-1 (migration 0029): a user's API tokens; only the SHA-256 of the token is stored.
export type ApiTokenAccess = "read" | "write";
export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  /** The token's first characters, shown in the list so the user can tell tokens apart. */
  token_prefix: string;
  access: ApiTokenAccess;
  /** The one organization the token reaches, or null for all of the user's organizations. */
  scope_org_id: string | null;
  created_at: ColumnType<Date, Date | string, never>;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

// Support requests, support access, identity checks and blocked orders (migration 0028:
// S-1, S-2, S-5, B-14, K-3, K-4).
export type SupportRequestStatus = "open" | "closed";
export interface SupportRequestsTable {
  id: Generated<string>;
  user_id: string;
  subject: string;
  status: ColumnType<SupportRequestStatus, SupportRequestStatus | undefined, SupportRequestStatus>;
  assigned_staff_id: string | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
}
export interface SupportMessagesTable {
  id: Generated<string>;
  request_id: string;
  author_user_id: string | null;
  author_staff_id: string | null;
  body: string;
  created_at: Timestamp;
}
export type ScreenshotType = "image/png" | "image/jpeg";
export interface SupportAttachmentsTable {
  id: Generated<string>;
  request_id: string;
  message_id: string;
  file_name: string;
  content_type: ScreenshotType;
  size_bytes: number;
  created_at: Timestamp;
}
export type SupportGrantScope = "mailboxes" | "storage" | "chat";
export interface SupportGrantsTable {
  id: Generated<string>;
  user_id: string;
  scope: SupportGrantScope;
  product_id: string | null;
  granted_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  closed_at: Timestamp | null;
}
export interface SupportGrantUsesTable {
  id: Generated<string>;
  grant_id: string;
  user_id: string;
  staff_id: string;
  request_id: string;
  what: string;
  used_at: Timestamp;
}
export interface StorageFoldersTable {
  id: Generated<string>;
  org_id: string;
  product_id: string;
  path: string;
  size_bytes: ColumnType<number, number | undefined, number>;
}
export interface ChatDiscussionsTable {
  id: Generated<string>;
  org_id: string;
  product_id: string;
  title: string;
  message_count: ColumnType<number, number | undefined, number>;
  last_message_at: Timestamp | null;
}
export type IdentityCheckReason = "forgotten_password" | "forgotten_email" | "disable_2fa" | "unlock_account" | "first_payout" | "suspicious_order";
export type IdentityCheckStatus = "requested" | "submitted" | "approved" | "rejected" | "expired";
export type IdentityDocumentType = "image/png" | "image/jpeg" | "application/pdf";
export interface IdentityChecksTable {
  id: Generated<string>;
  user_id: string;
  reason: IdentityCheckReason;
  status: ColumnType<IdentityCheckStatus, IdentityCheckStatus | undefined, IdentityCheckStatus>;
  upload_token_hash: string;
  upload_expires_at: Timestamp;
  upload_used_at: Timestamp | null;
  document_type: IdentityDocumentType | null;
  photo_type: ScreenshotType | null;
  requested_by_staff_id: string | null;
  requested_at: Timestamp;
  submitted_at: Timestamp | null;
  handled_by: string | null;
  handled_at: Timestamp | null;
  rejection_reason: string | null;
  documents_deleted_at: Timestamp | null;
}
export type OrderBlockStatus = "blocked" | "released" | "cancelled";
export interface OrderBlocksTable {
  id: Generated<string>;
  org_id: string;
  order_id: string;
  reasons: string[];
  status: ColumnType<OrderBlockStatus, OrderBlockStatus | undefined, OrderBlockStatus>;
  identity_check_id: string;
  notice_count: ColumnType<number, number | undefined, number>;
  last_notice_at: Timestamp;
  created_at: Timestamp;
  released_at: Timestamp | null;
  cancelled_at: Timestamp | null;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type StaffAccount = Selectable<StaffAccountsTable>;

// Issue 9, S-3/S-4: two-factor authentication (migration 0027).
export interface TwoFactorCredentialsTable {
  id: Generated<string>;
  user_id: string | null;
  staff_id: string | null;
  secret_encrypted: string;
  confirmed_at: Date | null;
  /** bigint: pg returns it as a string. */
  last_used_step: ColumnType<string | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface TwoFactorRecoveryCodesTable {
  id: Generated<string>;
  credential_id: string;
  code_hash: string;
  created_at: Timestamp;
  used_at: Date | null;
}

export type ChallengePurpose = "verify" | "enrol";
export type ApprovalDecision = "approved" | "refused";

export interface TwoFactorChallengesTable {
  id: Generated<string>;
  token_hash: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  staff_id: string | null;
  redirect_to: string | null;
  user_agent: string | null;
  ip: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Date | null;
  approval_requests: Generated<number>;
  approval_requested_at: Date | null;
  approval_decision: ApprovalDecision | null;
  approval_decided_at: Date | null;
  approval_session_id: string | null;
}

// Migration 0033 (issue 7, C-1): a partner creates a new organization for a client; the
// client's legal representative accepts by e-mail.
export interface ClientCreationsTable {
  id: Generated<string>;
  org_id: string;
  org_name: string;
  country: string;
  currency: Currency;
  locale: "de" | "fr" | "en";
  rep_name: string;
  email: string;
  billing: Generated<boolean>;
  token_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Date | null;
  accepted_by: string | null;
  client_org_id: string | null;
  revoked_at: Date | null;
}

// Migration 0032 (C-5/P-9): the partner's own invoices to a client it pays for.
export interface PartnerReinvoiceCountersTable {
  org_id: string;
  year: number;
  last_sequence: number;
}

export interface PartnerReinvoiceParty {
  name: string;
  street: string | null;
  postalCode: string | null;
  city: string | null;
  country: string;
  vatId: string | null;
}

export interface PartnerReinvoicesTable {
  id: Generated<string>;
  org_id: string;
  client_org_id: string;
  invoice_id: string | null;
  number: string;
  year: number;
  sequence: number;
  issued_at: Timestamp;
  issued_by: string | null;
  language: InvoiceLanguage;
  currency: Currency;
  net_amount: number;
  vat_rate_bp: number;
  vat_amount: number;
  total_amount: number;
  issuer: Json<PartnerReinvoiceParty>;
  bill_to: Json<PartnerReinvoiceParty>;
}

export interface PartnerReinvoiceLinesTable {
  id: Generated<string>;
  org_id: string;
  reinvoice_id: string;
  position: number;
  description: string;
  period_from: Timestamp | null;
  period_to: Timestamp | null;
  quantity: number;
  unit_amount: number;
  net_amount: number;
}
