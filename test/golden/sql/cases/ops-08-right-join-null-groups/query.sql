-- Tickets per account-manager region, regions without tickets included: RIGHT JOIN, COUNT of a
-- nullable side, SUM over NULLs, ORDER BY an ordinal.
select m.region, count(t.id) as tickets, sum(t.satisfaction) as satisfaction_points
from crm.tickets t
join crm.customers c on c.id = t.customer_id
right join crm.account_managers m on m.id = c.account_manager_id
group by m.region
order by 1
