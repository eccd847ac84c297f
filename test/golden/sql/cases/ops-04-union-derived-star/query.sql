-- One contact list from both databases: UNION (duplicates removed) inside a derived table read
-- with u.*.
select u.* from (
  select sc.email as contact, 'shop' as origin from shop.customers sc where sc.country = 'DE'
  union
  select am.name, 'crm' from crm.account_managers am where am.region = 'EMEA'
) as u
order by u.contact, u.origin
