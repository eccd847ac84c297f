-- Running revenue per customer over time: a named WINDOW used twice, a DATETIME(3) range filter.
select o.customer_id, o.id, o.ordered_at,
  sum(o.total) over w as running_total,
  row_number() over w as nth
from shop.orders o
where o.ordered_at >= '2024-01-01 00:00:00' and o.status <> 'cancelled'
window w as (partition by o.customer_id order by o.ordered_at, o.id)
order by o.customer_id, o.id
