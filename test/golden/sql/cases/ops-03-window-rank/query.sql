-- Shop revenue per CRM segment and customer, ranked within the segment: window function over
-- an aggregate, a four-table join across both databases.
select cast(cc.segment as char) as segment_name, sc.email,
  sum(oi.quantity * oi.unit_price) as revenue,
  rank() over (partition by cc.segment order by sum(oi.quantity * oi.unit_price) desc) as rnk
from crm.customers cc
join shop.customers sc on sc.id = cc.shop_customer_id
join shop.orders o on o.customer_id = sc.id
join shop.order_items oi on oi.order_id = o.id
group by cc.segment, sc.email
order by segment_name, rnk, sc.email
