-- CRM customers with an open ticket about a shop order that never shipped, unless their shop
-- account is inactive: a correlated EXISTS joining across the two databases, and NOT IN.
-- (ClickHouse 26 cannot decorrelate an EXISTS that holds an IN subquery, hence the join inside.)
select cc.id, cc.company
from crm.customers cc
where exists (
    select 1
    from crm.tickets t
    join shop.orders o on o.id = t.order_id
    where t.customer_id = cc.id
      and t.status in ('open', 'pending')
      and o.shipped_at is null
  )
  and cc.shop_customer_id is not null
  and cc.shop_customer_id not in (select sc.id from shop.customers sc where sc.is_active = 0)
order by cc.id
