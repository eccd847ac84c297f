-- Each customer's latest paid order when it is above that customer's average order: a CTE used
-- twice, correlated scalar subqueries (one over the CTE), ORDER BY a select alias.
with paid as (
  select o.id, o.customer_id, o.total, o.ordered_at
  from shop.orders o
  where o.status in ('paid', 'shipped')
)
select c.full_name, p.id as order_id, p.total
from paid p
join shop.customers c on c.id = p.customer_id
where p.ordered_at = (select max(p2.ordered_at) from paid p2 where p2.customer_id = p.customer_id)
  and p.total > (select avg(o3.total) from shop.orders o3 where o3.customer_id = c.id)
order by c.full_name, order_id
