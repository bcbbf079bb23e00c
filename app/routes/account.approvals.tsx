import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "../auth/request.server";
import { safeRedirect } from "../auth/session.server";
import { getDb } from "../db.server";
import { answerApproval, approvalInbox } from "../domain/two-factor/challenges.server";
import { approvalAnswerSchema } from "../domain/two-factor/schemas";
import { Conflict } from "../domain/errors";
import { guard, parseForm } from "../lib/http.server";

// S-3: the sign-ins waiting for this (trusted) session's yes or no. The banner of every page
// polls this while the page is open; the answer is posted here (with or without JavaScript).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  // A resource route polled by the page's script: answered as a JSON response.
  return Response.json(await approvalInbox(getDb(), ctx));
}

/** Back to the page the answer was given on, which then says what happened (`approval=`). */
function backTo(back: string | undefined, outcome: string) {
  const url = new URL(safeRedirect(back, "/account"), "http://portal");
  url.searchParams.set("approval", outcome);
  return redirect(url.pathname + url.search);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  const input = await guard(async () => parseForm(approvalAnswerSchema, form));
  try {
    await answerApproval(getDb(), ctx.actor, ctx.sessionId, input.challengeId, input.decision);
  } catch (err) {
    // Expired, already answered, or not this session's to answer: nothing changed.
    if (err instanceof Conflict) return backTo(input.back, "gone");
    throw err;
  }
  return backTo(input.back, input.decision);
}
