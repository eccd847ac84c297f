-- CRM accounts linked to a shop customer who never had an order refunded: a correlated NOT EXISTS
-- into the other database, and a LEFT JOIN to the account manager (NULL when unassigned).
select c.id, c.company, am.name as manager
from crm.customers c
left join crm.account_managers am on am.id = c.account_manager_id
where c.shop_customer_id is not null
  and not exists (
    select 1 from shop.orders o
    where o.customer_id = c.shop_customer_id and o.status = 'refunded'
  )
order by c.id
