import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useLocation, useSearchParams } from "@remix-run/react";
import { getDb } from "../db.server";
import { confirmTender } from "../domain/tenders/post.server";
import { decisionSchema, withdrawSchema } from "../domain/tenders/schemas";
import { selectProposal, submitterView, withdrawTender, type Submitter } from "../domain/tenders/submitter.server";
import { clientIp, formAction, guard, parseForm, type FormFailure } from "../lib/http.server";
import { pickLocale } from "../i18n/index";
import { useT } from "../i18n/react";
import { FormError, Notice } from "../components/form";
import { ProposalsCompared, TenderSummary, WithdrawTender } from "../components/tenders";

// T-1/T-2: a visitor's tender through its private link (mailed at posting; only its hash is
// stored): confirm the e-mail to publish, compare the proposals, select one, or withdraw.
export const meta: MetaFunction = () => [{ title: "Your tender · Partner Portal" }, { name: "robots", content: "noindex" }];

function submitter(request: Request, context: { ip?: string } | undefined, token: string | undefined): Submitter {
  return { kind: "link", token: token ?? "", ip: clientIp(request, context) };
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const view = await guard(() => submitterView(getDb(), submitter(request, context, params.token)));
  return view;
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const who = submitter(request, context, params.token);
  const locale = pickLocale(null, request.headers.get("Accept-Language"));
  const here = `/tenders/t/${params.token}`;
  return formAction(async () => {
    if (intent === "confirm") {
      await confirmTender(getDb(), params.token ?? "", clientIp(request, context));
      return redirect(`${here}?done=confirmed`);
    }
    if (intent === "select") {
      await selectProposal(getDb(), who, parseForm(decisionSchema, form).proposalId, locale);
      return redirect(`${here}?done=selected`);
    }
    if (intent === "withdraw") {
      parseForm(withdrawSchema, form);
      await withdrawTender(getDb(), who, locale);
      return redirect(`${here}?done=withdrawn`);
    }
    throw new Response("Bad Request", { status: 400 });
  });
}

export default function TenderByLink() {
  const d = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>() as FormFailure | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const done = params.get("done");
  const base = useLocation().pathname;
  return (
    <main id="main" className="page">
      <h1>{d.tender.title}</h1>
      {done ? <Notice>{t(`tenders.done.${done}`)}</Notice> : null}
      <FormError errors={errors} />
      {d.tender.status === "unconfirmed" ? (
        <section className="card" aria-labelledby="confirm">
          <h2 id="confirm">{t("tenders.confirmTitle")}</h2>
          <p>{t("tenders.confirmIntro", { email: d.tender.contact_email })}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="confirm" />
            <button type="submit">{t("tenders.confirmButton")}</button>
          </Form>
        </section>
      ) : null}
      <TenderSummary tender={d.tender} />
      {d.tender.status !== "unconfirmed" ? (
        <section className="card" aria-labelledby="proposals-heading">
          <h2 id="proposals-heading">{t("tenders.proposals")}</h2>
          <ProposalsCompared proposals={d.proposals} canSelect={d.canSelect} confirmingId={params.get("select")} basePath={base} />
        </section>
      ) : null}
      {d.canWithdraw ? <WithdrawTender confirming={params.get("withdraw") === "1"} basePath={base} /> : null}
    </main>
  );
}
