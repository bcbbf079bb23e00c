import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "../auth/request.server";
import { safeRedirect } from "../auth/session.server";
import { getDb } from "../db.server";
import { answerApproval, approvalInbox } from "../domain/two-factor/challenges.server";
import { approvalAnswerSchema } from "../domain/two-factor/schemas";
import { formAction, parseForm } from "../lib/http.server";

// S-3: the sign-ins waiting for this (trusted) session's yes or no. The banner of every page
// polls this while the page is open; the answer is posted here (with or without JavaScript).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = await requireUser(request, context);
  return approvalInbox(getDb(), ctx.user.id, ctx.sessionId);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireUser(request, context);
  const form = await request.formData();
  return formAction(async () => {
    const input = parseForm(approvalAnswerSchema, form);
    await answerApproval(getDb(), ctx.actor, ctx.sessionId, input.challengeId, input.decision);
    const back = safeRedirect(input.back, "/account");
    const url = new URL(back, "http://x");
    url.searchParams.set("approval", input.decision);
    return redirect(url.pathname + url.search);
  });
}
