-- A column the table does not have: refused with its name.
select c.nickname from shop.customers c
