-- Top 5 customers by spend with their CRM ticket count: correlated scalar subqueries in the
-- select list (one joins the CRM tables) of a derived table, ORDER BY with a tie-breaker, LIMIT.
-- (ClickHouse 26 refuses a correlated subquery that ORDER BY uses directly, hence the derived table;
-- and it decorrelates a scalar count(*) into a join that gives NULL, not 0, for a customer without
-- tickets, whatever the settings: the compiler's report warns, and the count is wrapped in coalesce,
-- which changes nothing on MySQL, where count(*) is never NULL.)
select ranked.id, ranked.full_name, ranked.tickets, ranked.spend
from (
  select sc.id, sc.full_name,
    coalesce((select count(*) from crm.tickets t join crm.customers cc on cc.id = t.customer_id where cc.shop_customer_id = sc.id), 0) as tickets,
    (select sum(o.total) from shop.orders o where o.customer_id = sc.id and o.status <> 'cancelled') as spend
  from shop.customers sc
) as ranked
order by ranked.spend desc, ranked.id
limit 5
