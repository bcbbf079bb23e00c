// Configuration from the environment, read in one place.
export const config = {
  /** Only for the benchmark that measures what row-level security costs. */
  get bypassRowLevelSecurity() {
    return process.env.BENCH_BYPASS_ROW_LEVEL_SECURITY === "1";
  },
  /**
   * Only for the API benchmark: the rate limit is still counted (its cost is measured) but not
   * enforced, so one token can drive the load. Never set in production.
   */
  get benchIgnoreApiRateLimit() {
    return process.env.BENCH_API_IGNORE_RATE_LIMIT === "1";
  },
  get poolSize() {
    return Number(process.env.DATABASE_POOL_SIZE || 20);
  },
  get databaseUrl() {
    return process.env.DATABASE_URL || undefined;
  },
  /** Where the embedded PGlite database keeps its files when there is no DATABASE_URL. */
  get pgliteDir() {
    return process.env.PGLITE_DATA_DIR || "./.data/pglite";
  },
  get redisUrl() {
    return process.env.REDIS_URL || undefined;
  },
  get smtpUrl() {
    return process.env.SMTP_URL || undefined;
  },
  get mailFrom() {
    return process.env.MAIL_FROM || "Partner Portal <no-reply@portal.example>";
  },
  get publicUrl() {
    return (process.env.PUBLIC_URL || `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, "");
  },
  get sessionSecret() {
    const secret = process.env.SESSION_SECRET;
    if (!secret && process.env.NODE_ENV === "production" && process.env.DEMO !== "1") {
      throw new Error("SESSION_SECRET must be set in production");
    }
    return secret || "dev-only-session-secret-change-me";
  },
  /** Signs payment gateway webhooks (and the sandbox gateway's checkout sessions). */
  get paymentWebhookSecret() {
    const secret = process.env.PAYMENT_WEBHOOK_SECRET;
    if (!secret && process.env.NODE_ENV === "production" && process.env.DEMO !== "1") {
      throw new Error("PAYMENT_WEBHOOK_SECRET must be set in production");
    }
    return secret || "dev-only-payment-webhook-secret";
  },
  /** Where customers send IBAN transfers (B-8): a QR-IBAN for CHF QR-bills, an IBAN and BIC for EUR (SEPA). */
  get bankCreditor() {
    return {
      name: process.env.BANK_CREDITOR_NAME || "Partner Portal Cloud AG",
      address: process.env.BANK_CREDITOR_ADDRESS || "Bahnhofstrasse 1",
      zip: process.env.BANK_CREDITOR_ZIP || "8001",
      city: process.env.BANK_CREDITOR_CITY || "Zürich",
      country: process.env.BANK_CREDITOR_COUNTRY || "CH",
      qrIban: (process.env.BANK_QR_IBAN || "CH44 3199 9123 0008 8901 2").replace(/\s+/g, ""),
      eurIban: (process.env.BANK_EUR_IBAN || "CH93 0076 2011 6238 5295 7").replace(/\s+/g, ""),
      eurBic: process.env.BANK_EUR_BIC || "UBSWCHZH80A",
    };
  },
  /**
   * S-3: the AES-256-GCM key that encrypts two-factor secrets in the database: 32 bytes as
   * base64 (or 64 hex digits). Required in production; kept outside the database, so a copy
   * of the database alone does not reveal any account's second factor.
   */
  get twoFactorEncryptionKey(): Buffer {
    const value = process.env.TWO_FACTOR_ENCRYPTION_KEY;
    if (!value) {
      if (process.env.NODE_ENV === "production" && process.env.DEMO !== "1") {
        throw new Error("TWO_FACTOR_ENCRYPTION_KEY must be set in production");
      }
      return Buffer.from("ZGV2LW9ubHktdHdvLWZhY3Rvci1rZXktMzItYnl0ZXM=", "base64");
    }
    const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
    if (key.length !== 32) throw new Error("TWO_FACTOR_ENCRYPTION_KEY must be 32 bytes (base64 or 64 hex digits)");
    return key;
  },
  get secureCookies() {
    return process.env.NODE_ENV === "production" && process.env.DEMO !== "1" && !process.env.INSECURE_COOKIES;
  },
  /** C-6: where finished client exports are written (shared by the web process and the workers). */
  get exportsDir() {
    return process.env.EXPORTS_DIR || "./.data/exports";
  },
  /** S-1/K-4: where support request screenshots are stored (outside the database). */
  get supportFilesDir() {
    return process.env.SUPPORT_FILES_DIR || "./.data/support-files";
  },
  /** S-5: where identity documents are stored, encrypted (outside the database). */
  get identityFilesDir() {
    return process.env.IDENTITY_FILES_DIR || "./.data/identity-files";
  },
  /** S-5: the AES-256-GCM key of identity documents: 32 bytes, base64 (`openssl rand -base64 32`). */
  get identityFilesKey(): Buffer {
    const value = process.env.IDENTITY_FILES_KEY;
    if (!value && process.env.NODE_ENV === "production" && process.env.DEMO !== "1") {
      throw new Error("IDENTITY_FILES_KEY must be set in production");
    }
    const key = Buffer.from(value || "ZGV2LW9ubHktaWRlbnRpdHkta2V5LWNoYW5nZS1tZSE=", "base64");
    if (key.length !== 32) throw new Error("IDENTITY_FILES_KEY must be 32 bytes, base64-encoded");
    return key;
  },
  /** B-14: brand names that mark an ordered domain name as suspicious (comma-separated). */
  get orderBrandWatchlist(): string[] {
    return (process.env.ORDER_BRAND_WATCHLIST || "postfinance,swisscom,ubs,raiffeisen,migros,paypal,google,apple,microsoft")
      .split(",")
      .map((b) => b.trim().toLowerCase())
      .filter((b) => b.length > 0);
  },
  /** B-14: more new orders than this within the window (minutes) mark the next ones as suspicious. */
  get orderVelocity() {
    return { max: Number(process.env.ORDER_VELOCITY_MAX || 5), windowMinutes: Number(process.env.ORDER_VELOCITY_WINDOW_MINUTES || 60) };
  },
};
