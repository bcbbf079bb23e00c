// Domain errors, mapped to responses in one place (app/lib/http.server.ts) for pages and API.
export type FieldErrors = Record<string, string>;

export class DomainError extends Error {}

export class NotFound extends DomainError {
  constructor(what = "not_found") {
    super(what);
  }
}

export class Forbidden extends DomainError {
  constructor(what = "forbidden") {
    super(what);
  }
}

/** Bad input: field messages are i18n keys (or plain text) keyed by field name. */
export class Invalid extends DomainError {
  constructor(public readonly fieldErrors: FieldErrors, message = "invalid") {
    super(message);
  }
}

/** A rule of the domain refuses the change; `code` is stable, `message` an i18n key. */
export class Conflict extends DomainError {
  constructor(
    public readonly code: string,
    message?: string,
    /** Values the message interpolates (e.g. the names of the products concerned). */
    public readonly vars?: Record<string, string | number>,
  ) {
    super(message ?? code);
  }
}

/** A Postgres unique violation of the named constraint or index (a race the database decided). */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === constraint;
}
