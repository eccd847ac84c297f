-- Shop customers with their CRM account, if any: a LEFT JOIN across databases whose tables share
-- the name `customers`; unmatched rows carry NULLs.
select s.id, s.email, c.company, c.segment
from shop.customers s
left join crm.customers c on c.shop_customer_id = s.id
where s.is_active = 1
order by s.id, c.id
