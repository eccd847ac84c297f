-- Every column of the enterprise CRM customers with their account manager's name: c.* expands
-- to all columns of crm.customers; managers may be missing (NULL).
select c.*, m.name as manager
from crm.customers c
left join crm.account_managers m on m.id = c.account_manager_id
where c.segment = 'enterprise'
order by c.id
