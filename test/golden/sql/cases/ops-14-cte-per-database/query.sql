-- Ticket load per product category: one CTE per database (CRM tickets on orders; shop order items
-- with their products), joined on the order id; COUNT(DISTINCT) and MAX per category.
with ticketed as (
  select t.order_id, t.priority
  from crm.tickets t
  where t.order_id is not null
),
categories as (
  select oi.order_id, p.category
  from shop.order_items oi
  join shop.products p on p.id = oi.product_id
)
select cat.category, count(distinct tk.order_id) as orders_with_tickets, max(tk.priority) as worst_priority
from ticketed tk
join categories cat on cat.order_id = tk.order_id
group by cat.category
order by orders_with_tickets desc, cat.category
