-- Paid revenue per account-manager region: shop orders of customers linked to a CRM account, one
-- join over tables of two databases (shop.orders → crm.customers → crm.account_managers), IN on an
-- ENUM, COUNT(DISTINCT), GROUP BY, HAVING, ORDER BY an aggregate alias with a tie-breaker.
select am.region, count(distinct c.id) as accounts, count(*) as orders, sum(o.total) as revenue
from shop.orders o
join crm.customers c on c.shop_customer_id = o.customer_id
join crm.account_managers am on am.id = c.account_manager_id
where o.status in ('paid', 'shipped')
group by am.region
having count(*) > 1
order by revenue desc, am.region
