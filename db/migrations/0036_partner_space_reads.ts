import type { Kysely } from "kysely";
import { runScript } from "./sql-script";

// P-2/P-10 at scale: the partner's programme value and the reseller space's page of clients.
//
// The tenant policies check each row on its own (since 0035 an index probe per row of a client
// organization; before, a linear search of all 5,001 ids in `app.org_ids` for a partner with
// 5,000 clients): the value (10,000 products of the partner and its clients) and the page of
// clients (5,000 organizations sorted by name) cost 110 ms and 145 ms per request that way
// (measured before 0035), 6 ms and 3 ms without them. Both reads become narrow functions, like
// the revenue sums of 0023: the caller must act for the partner (`app_acts_for(p_org)`, checked
// once), and they read the partner's own products and those of its active clients (the value
// counts every managed product, whoever of the partner's users asks), its active links and the
// names of those clients (policy linked_read_client_side).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(
    db,
    /* sql */ `
    -- P-2: the yearly value of the products of the organization and of its active clients, at
    -- the catalog's prices in the organization's currency (a monthly price counts twelve
    -- times); no row when the caller does not act for the organization.
    create function portal_partner_program_value(p_org uuid)
    returns table (currency text, amount bigint, products integer, clients integer)
    language sql stable security definer set search_path = public, pg_temp as $$
      select o.currency,
             coalesce(sum(case when t.billing_period = 'month' then 12 else 1 end
                          * case o.currency when 'CHF' then t.price_chf else t.price_eur end), 0)::bigint,
             count(p.id)::int,
             (count(distinct p.org_id) filter (where p.org_id <> p_org))::int
      from organizations o
      left join (products p join product_types t on t.code = p.product_type_code)
        on p.org_id = p_org
        or p.org_id in (select l.client_org_id from partner_client_links l where l.org_id = p_org and l.state = 'active')
      where o.id = p_org and app_acts_for(p_org)
      group by o.currency
    $$;

    -- P-10: one page of the partner's active clients, by name.
    create function portal_partner_client_page(p_partner uuid, p_limit integer, p_offset integer)
    returns table (id uuid, name text, since timestamptz, payer text, link_id uuid, access text)
    language sql stable security definer set search_path = public, pg_temp as $$
      select c.id, c.name, l.since, l.payer, l.id, l.access
      from partner_client_links l
      join organizations c on c.id = l.client_org_id
      where l.org_id = p_partner and l.state = 'active' and app_acts_for(p_partner)
      order by c.name, c.id
      limit p_limit offset p_offset
    $$;

    revoke all on function portal_partner_program_value(uuid) from public;
    revoke all on function portal_partner_client_page(uuid, integer, integer) from public;
    grant execute on function portal_partner_program_value(uuid) to portal_app;
    grant execute on function portal_partner_client_page(uuid, integer, integer) to portal_app;
  `,
  );
}

export async function down(): Promise<void> {
  throw new Error("migrations only move forward");
}
