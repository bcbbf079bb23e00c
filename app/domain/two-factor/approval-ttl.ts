// An approval prompt (S-3, "yes / no" on a trusted device) is answerable for 3 minutes, and
// an approval must be used within 3 minutes too. Its own module: the session actor reads it
// to tell whether prompts wait (app/auth/actor.server.ts).
export const APPROVAL_TTL_MS = 3 * 60 * 1000;
