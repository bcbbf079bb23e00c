import { useT } from "../i18n/react";

export interface GrantValue {
  access: "full" | "limited";
  billing: boolean;
  products: Record<string, { manage: boolean; stats: boolean }>;
  endsAt: string | null;
}

/**
 * C-3: what a client gives a partner, as plain form fields (no JavaScript needed): full
 * access with billing as a separate choice, or limited access to picked products with
 * technical management and/or statistics each; an optional end date.
 */
export function GrantFields({ idPrefix, products, value }: { idPrefix: string; products: Array<{ id: string; name: string }>; value?: GrantValue }) {
  const t = useT();
  const v = value ?? { access: "full" as const, billing: false, products: {}, endsAt: null };
  return (
    <>
      <fieldset>
        <legend>{t("clients.grant.access")}</legend>
        <label>
          <input type="radio" name="access" value="full" defaultChecked={v.access === "full"} /> {t("clients.grant.full")}
        </label>
        <label className="indent">
          <input type="checkbox" name="billing" value="yes" defaultChecked={v.billing} /> {t("clients.grant.billing")}
        </label>
        <label>
          <input type="radio" name="access" value="limited" defaultChecked={v.access === "limited"} /> {t("clients.grant.limited")}
        </label>
      </fieldset>
      {products.length > 0 ? (
        <table>
          <caption className="hint">{t("clients.grant.productsCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("products.list.name")}</th>
              <th scope="col">{t("clients.grant.manage")}</th>
              <th scope="col">{t("clients.grant.stats")}</th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>
                  <input
                    type="checkbox"
                    name={`manage.${p.id}`}
                    value="yes"
                    id={`${idPrefix}-m-${p.id}`}
                    aria-label={t("clients.grant.manageOf", { name: p.name })}
                    defaultChecked={v.products[p.id]?.manage ?? false}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    name={`stats.${p.id}`}
                    value="yes"
                    id={`${idPrefix}-s-${p.id}`}
                    aria-label={t("clients.grant.statsOf", { name: p.name })}
                    defaultChecked={v.products[p.id]?.stats ?? false}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="field">
        <label htmlFor={`${idPrefix}-endsAt`}>{t("clients.grant.endsAt")}</label>
        <input id={`${idPrefix}-endsAt`} type="date" name="endsAt" defaultValue={v.endsAt ?? ""} />
        <p className="hint">{t("clients.grant.endsAtHint")}</p>
      </div>
    </>
  );
}
