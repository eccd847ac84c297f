-- Products sold more than 10 units (default database shop): JOIN … USING over a derived table,
-- HAVING and ORDER BY on select aliases.
select p.category, p.sku, sum(oi.quantity) as units, sum(oi.quantity * oi.unit_price) as revenue
from order_items oi
join (select id as product_id, sku, category from products where discontinued = 0) as p using (product_id)
group by p.category, p.sku
having units > 10
order by revenue desc, p.sku
