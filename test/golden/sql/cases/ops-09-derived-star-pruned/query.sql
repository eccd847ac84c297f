-- Shipped revenue per country through a derived table that selects o.*: only the columns the
-- outer query uses (plus the key) are synced from shop.orders.
select coalesce(x.country, '--') as country_code, count(*) as orders, sum(x.total) as revenue
from (select o.*, c.country from shop.orders o join shop.customers c on c.id = o.customer_id) as x
where x.shipped_at is not null
group by coalesce(x.country, '--')
order by country_code
