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
  mailboxes: MailboxesTable;
  mailbox_webmail_users: MailboxWebmailUsersTable;
  invitations: InvitationsTable;
  legal_rep_transfers: LegalRepTransfersTable;
  staff_accounts: StaffAccountsTable;
  sessions: SessionsTable;
  password_reset_tokens: PasswordResetTokensTable;
  audit_log: AuditLogTable;
  email_outbox: EmailOutboxTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type StaffAccount = Selectable<StaffAccountsTable>;
