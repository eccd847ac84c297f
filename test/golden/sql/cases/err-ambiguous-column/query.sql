-- `id` is a column of both customers tables: MySQL refuses it, and so does the compiler.
select id from shop.customers join crm.customers on crm.customers.shop_customer_id = shop.customers.id
