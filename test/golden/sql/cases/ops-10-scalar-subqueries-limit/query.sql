-- Top 5 customers by spend with their CRM ticket count: correlated scalar subqueries in the
-- select list (one joins the CRM tables) of a derived table, ORDER BY with a tie-breaker, LIMIT.
-- (ClickHouse 26 refuses a correlated subquery that ORDER BY uses directly, hence the derived table.)
select ranked.id, ranked.full_name, ranked.tickets, ranked.spend
from (
  select sc.id, sc.full_name,
    (select count(*) from crm.tickets t join crm.customers cc on cc.id = t.customer_id where cc.shop_customer_id = sc.id) as tickets,
    (select sum(o.total) from shop.orders o where o.customer_id = sc.id and o.status <> 'cancelled') as spend
  from shop.customers sc
) as ranked
order by ranked.spend desc, ranked.id
limit 5
